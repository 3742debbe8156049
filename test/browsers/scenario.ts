// The one scenario every engine runs, written against the driver adapter: the app loads with no page
// error and Bob signs in through the form; bills Alice creates (over HTTP) reach his page live over SSE
// and, switched, over WebSocket; three of his tabs share one stream and all show the notification; the
// server restarts and a bill created while it was down reaches every tab exactly once, by resume.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { billFor, groupWith, register } from '../support/api.ts';
import { streamConnections } from '../e2e/browser.ts';
import type { Engine, EngineName, PageScript, Tab } from './engine.ts';
import {
  billCount,
  clickButton,
  fillSignIn,
  markWindow,
  pageState,
  toastsFor,
  unread,
  windowMarked,
  type PageState,
} from './page-scripts.ts';
import type { TestServer } from '../support/server.ts';

/** How long a live change may take to show before the check fails (the benchmark holds the real target). */
export const LIVE_TIMEOUT_MS = 10_000;
/** Bills per transport: enough for a median, few enough to stay quick. */
const BILLS_PER_TRANSPORT = 5;
const TABS = 3;
/** After the last expected change, how long to watch for a duplicate. */
const SETTLE_MS = 1000;

export type CheckName = 'load' | 'sse' | 'ws' | 'tabs' | 'resume';
export type Check = { ok: true; note?: string } | { ok: false; why: string };
export type Receipt = { transport: 'sse' | 'ws'; phase: CheckName; ms: number };

export type EngineResult = {
  engine: EngineName;
  version: string;
  checks: Partial<Record<CheckName, Check>>;
  /** Live notifications: toast's data-shown-at (page clock) − the moment the bill's POST was sent. */
  receipts: Receipt[];
  /** Server listening again → the resumed bill's toast, in the slowest tab. */
  resumeMs?: number;
  seconds?: number;
  /** Launch failure, deadline, or a failed precondition that stopped the scenario. */
  error?: string;
};

/** Set by the deadline: every wait gives up at its next poll. */
export type Run = { cancelled: boolean; step: string };

export async function runScenario(engine: Engine, server: TestServer, result: EngineResult, run: Run) {
  const url = server.url;
  const wait = <A, R>(tab: Tab, script: PageScript<A, R>, arg: A, ok: (r: R) => boolean, what: string, timeout = LIVE_TIMEOUT_MS) =>
    until(run, () => tab.run(script, arg), ok, what, timeout);
  const waitState = (tab: Tab, ok: (s: PageState) => boolean, what: string, timeout?: number) =>
    wait(tab, pageState, null, ok, what, timeout);
  const live = (tab: Tab, transport?: 'sse' | 'ws') =>
    waitState(
      tab,
      (s) => s.connection === 'live' && (transport === undefined || s.transport === transport),
      `the page to be live${transport ? ` over ${transport}` : ''}`,
    );
  const streams = () => streamConnections(url);
  const subscribers = () => server.hub.stats().subscribers;

  // biome-ignore lint/suspicious/noConfusingVoidType: a check returns a note or nothing, and a plain async () => {} must fit
  async function check(name: CheckName, body: () => Promise<string | void>) {
    run.step = name;
    try {
      const note = await body();
      result.checks[name] = note ? { ok: true, note } : { ok: true };
    } catch (e) {
      if (run.cancelled) throw e;
      result.checks[name] = { ok: false, why: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Alice adds a bill Bob owes half of; resolves with when its POST was sent. */
  async function aliceAdds(description: string, at = url) {
    const sentAt = Date.now();
    await billFor(at, alice, groupId, [bob], 3000, description);
    return sentAt;
  }

  /** Waits for the bill's toast in each tab, checks it shows once, and returns when each tab showed it. */
  async function shownIn(tabs: Tab[], description: string): Promise<number[]> {
    const at: number[] = [];
    for (const [i, tab] of tabs.entries()) {
      const toasts = await wait(tab, toastsFor, description, (t) => t.length > 0, `tab ${i + 1} to show "${description}"`);
      assert.equal(toasts.length, 1, `tab ${i + 1} shows "${description}" once`);
      at.push(toasts[0].shownAt);
    }
    return at;
  }

  // Data made over HTTP by the test, as another person would: Bob is in Alice's group.
  run.step = 'setup';
  const alice = await register(url, 'Alice');
  const bob = await register(url, 'Bob');
  const groupId = await groupWith(url, alice, [bob]);
  const group = (transport?: 'sse' | 'ws') => `${url}/groups/${groupId}${transport ? `?transport=${transport}` : ''}`;

  // The app loads with no page error, and Bob signs in through the form.
  let first!: Tab;
  await check('load', async () => {
    first = await engine.open(`${url}/signin`);
    await waitState(first, (s) => s.session === 'signed-out' && s.form === 'Sign in', 'the sign-in form');
    assert.deepEqual(await engine.problems(), [], 'no page error on load');
    assert.ok(await first.run(fillSignIn, { email: bob.email, password: 'correct horse battery' }), 'the sign-in form has its fields');
    assert.ok(await first.run(clickButton, 'Sign in'), 'the form has a "Sign in" button');
    await waitState(first, (s) => s.session === 'signed-in' && s.heading === 'Your groups', 'the groups page after signing in');
    await live(first, 'sse');
  });
  if (!result.checks.load?.ok) throw new Error(`the app did not load or sign in: ${(result.checks.load as { why: string }).why}`);

  for (const transport of ['sse', 'ws'] as const) {
    await check(transport, async () => {
      await first.goto(group(transport));
      await live(first, transport);
      const one = { sse: 0, ws: 0, [transport]: 1 };
      await eventually(run, async () => isDeepStrictEqual(await streams(), one), `one ${transport} stream on the server`);
      for (let i = 1; i <= BILLS_PER_TRANSPORT; i++) {
        const description = `${transport.toUpperCase()} bill ${i}`;
        const sentAt = await aliceAdds(description);
        const [shownAt] = await shownIn([first], description);
        result.receipts.push({ transport, phase: transport, ms: shownAt - sentAt });
      }
      await sleep(SETTLE_MS);
      for (let i = 1; i <= BILLS_PER_TRANSPORT; i++)
        assert.equal(await first.run(billCount, `${transport.toUpperCase()} bill ${i}`), 1, `bill ${i} is listed once`);
      assert.deepEqual(await streams(), one, `the bills came over ${transport}`);
    });
  }

  // Three tabs, one stream: Web Locks elect a leader, BroadcastChannel carries what it receives.
  const tabs = [first];
  await check('tabs', async () => {
    await first.goto(group('sse'));
    await live(first, 'sse');
    while (tabs.length < TABS) tabs.push(await engine.open(group()));
    for (const tab of tabs) await live(tab, 'sse');
    const roles = await Promise.all(tabs.map(async (t) => (await t.run(pageState, null)).role));
    assert.deepEqual([...roles].sort(), ['follower', 'follower', 'leader'], 'one leader tab, the others follow');
    await eventually(run, () => subscribers() === 1, 'one stream for the three tabs');
    assert.deepEqual(await streams(), { sse: 1, ws: 0 });
    const sentAt = await aliceAdds('Shared');
    const shownAt = await shownIn(tabs, 'Shared');
    for (const at of shownAt) result.receipts.push({ transport: 'sse', phase: 'tabs', ms: at - sentAt });
    await sleep(SETTLE_MS);
    assert.equal(subscribers(), 1, 'still one stream');
    for (const [i, tab] of tabs.entries()) assert.equal((await tab.run(toastsFor, 'Shared')).length, 1, `tab ${i + 1} shows it once`);
  });

  // The server stops (streams are told to come back) and a bill is created while it is down, through a
  // second instance on the same database; only resume from the last id can bring it to the open tabs.
  await check('resume', async () => {
    for (const tab of tabs) {
      await live(tab);
      await tab.run(markWindow, null);
    }
    const before = await Promise.all(tabs.map((t) => t.run(unread, null)));
    await server.stop();
    for (const tab of tabs) await waitState(tab, (s) => s.connection === 'reconnecting', 'the page to say it is reconnecting');
    const sidecar = await server.sidecar();
    try {
      await aliceAdds('While down', sidecar.url);
    } finally {
      await sidecar.close();
    }
    for (const tab of tabs)
      assert.equal((await tab.run(pageState, null)).connection, 'reconnecting', 'the bill was created while the page was reconnecting');
    await server.start();
    const upAt = Date.now();
    for (const tab of tabs) await live(tab);
    const shownAt = await shownIn(tabs, 'While down');
    result.resumeMs = Math.max(...shownAt) - upAt;
    await sleep(SETTLE_MS);
    for (const [i, tab] of tabs.entries()) {
      const n = i + 1;
      assert.equal((await tab.run(toastsFor, 'While down')).length, 1, `tab ${n}: one toast`);
      assert.equal(await tab.run(billCount, 'While down'), 1, `tab ${n}: one bill card`);
      assert.equal(await tab.run(unread, null), before[i] + 1, `tab ${n}: the bell counts it once`);
      assert.equal(await tab.run(windowMarked, null), true, `tab ${n} was not reloaded`);
    }
    if (tabs.length > 1) assert.equal(subscribers(), 1, 'the tabs share one stream again');
  });

  run.step = 'page errors';
  const problems = await engine.problems();
  if (problems.length) result.checks.load = { ok: false, why: `page errors: ${problems.join('; ')}` };
}

async function until<R>(run: Run, read: () => Promise<R>, ok: (r: R) => boolean, what: string, timeout: number): Promise<R> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (run.cancelled) throw new Error(`cancelled while waiting for ${what}`);
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last seen: ${JSON.stringify(value)})`);
    await sleep(25);
  }
}

const eventually = (run: Run, check: () => Promise<boolean> | boolean, what: string) =>
  until(
    run,
    async () => await check(),
    (ok) => ok,
    what,
    LIVE_TIMEOUT_MS,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

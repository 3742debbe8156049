// Shared pieces of the end-to-end tests: Debian's Chromium through playwright-core, people signed in by
// cookie or through the real forms, and small readers of what the page shows.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import { groupWith, register, type TestUser } from '../support/api.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** The built app (npm run build:web); the tests build nothing themselves. */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** How long a live change may take to show before a test fails (the benchmark holds the real target). */
export const LIVE_TIMEOUT_MS = 10_000;
/** A whole test: fail rather than hang (node --test has no timeout of its own). */
export const TEST_TIMEOUT_MS = 120_000;

export function assertBuilt() {
  assert.ok(existsSync(`${WEB_ROOT}/index.html`), `${WEB_ROOT}/index.html is missing: run "npm run build:web" first`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run "apt-get install -y chromium"`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

const problems = new WeakMap<Browser, string[]>();

/** Uncaught errors in any page of this browser, and anything the CSP refused (inline styles or scripts). */
export function pageProblems(browser: Browser): string[] {
  return problems.get(browser) ?? [];
}

/** A browser profile of its own (cookies, storage, Web Locks), in English so amounts read "$33.33". */
export async function newPerson(browser: Browser, viewport = DESKTOP): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport });
  context.setDefaultTimeout(LIVE_TIMEOUT_MS);
  const list = problems.get(browser) ?? [];
  problems.set(browser, list);
  context.on('weberror', (e) => list.push(`uncaught: ${e.error().message}`));
  context.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) list.push(`csp: ${m.text()}`);
  });
  return context;
}

/** Signs the profile in with a session made over the API (the cookie the server would have set). */
export async function signInWithToken(context: BrowserContext, baseUrl: string, user: TestUser) {
  await context.addCookies([{ name: 'chipin_session', value: user.token, url: baseUrl, httpOnly: true, sameSite: 'Lax' }]);
}

/** A browser for this test: closed after it, and the test fails if any of its pages had an uncaught error or a CSP refusal. */
export async function openBrowser(t: TestContext): Promise<Browser> {
  const browser = await launchBrowser();
  t.after(() => browser.close());
  t.after(() => assert.deepEqual(pageProblems(browser), [], 'no uncaught errors or CSP refusals in the pages'));
  return browser;
}

/** People registered over the API, in a group of theirs, and a browser profile signed in as one of them. */
export interface GroupSetup {
  /** Registered in this order; the first creates the group "Trip" and adds the others to it. */
  people: string[];
  /** The group's currency (groupWith's default when left out). */
  currency?: string;
  /** Whose session the returned profile holds: one of `people`. */
  signedIn: string;
}

export interface BrowserTest {
  server: TestServer;
  browser: Browser;
}

export interface GroupTest extends BrowserTest {
  /** The registered people, in the order of `people`. */
  people: TestUser[];
  groupId: string;
  /** A profile (newPerson) signed in as `signedIn`. */
  context: BrowserContext;
}

/**
 * The set-up of a browser test: the built app served by a server of its own and a browser (openBrowser),
 * both ended after the test; with a GroupSetup, also its people, their group and a signed-in profile.
 */
export function browserTest(t: TestContext): Promise<BrowserTest>;
export function browserTest(t: TestContext, setup: GroupSetup): Promise<GroupTest>;
export async function browserTest(t: TestContext, setup?: GroupSetup): Promise<BrowserTest | GroupTest> {
  assertBuilt();
  const server = await startTestServer({ WEB_ROOT });
  t.after(() => server.close());
  const browser = await openBrowser(t);
  if (!setup) return { server, browser };

  const people: TestUser[] = [];
  for (const name of setup.people) people.push(await register(server.url, name));
  const [owner, ...others] = people;
  const groupId = await groupWith(server.url, owner, others, setup.currency);
  const signedIn = people[setup.people.indexOf(setup.signedIn)];
  assert.ok(signedIn, `signedIn "${setup.signedIn}" is not one of the people (${setup.people.join(', ')})`);
  const context = await newPerson(browser);
  await signInWithToken(context, server.url, signedIn);
  return { server, browser, people, groupId, context };
}

let people = 0;
/** Signs up through the form and waits for the groups page. */
export async function signUp(page: Page, baseUrl: string, name: string): Promise<{ name: string; email: string }> {
  const email = `${name.toLowerCase()}.${process.pid}.${++people}@example.test`;
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your groups' }).waitFor();
  await waitLive(page);
  return { name, email };
}

export const connection = (page: Page) => page.locator('html').getAttribute('data-connection');
export const streamRole = (page: Page) => page.locator('html').getAttribute('data-stream-role');

export async function waitConnection(page: Page, state: string, timeout = LIVE_TIMEOUT_MS) {
  await page.locator(`html[data-connection="${state}"]`).waitFor({ state: 'attached', timeout });
}
export const waitLive = (page: Page) => waitConnection(page, 'live');

/** The bell's unread count. */
export async function unread(page: Page): Promise<number> {
  return Number(await page.locator('.badge').getAttribute('data-unread'));
}

export const toast = (page: Page, text: string) => page.locator('.toast', { hasText: text });
export const billCard = (page: Page, description: string) =>
  page.locator('article.bill', { has: page.getByRole('heading', { name: description, exact: true }) });

/** Opens the bill form's dialog from the group page's "Add a bill" button; focus goes to its description. */
export async function openBillForm(page: Page) {
  await page.getByRole('button', { name: 'Add a bill' }).click();
  await page.getByRole('dialog', { name: 'Add a bill' }).waitFor();
}

/** Expands a bill's compact row to its parts and the owner's actions (a no-op when already expanded). */
export async function expandBill(page: Page, description: string) {
  const toggle = billCard(page, description).locator('button.bill-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await billCard(page, description).locator('.shares').waitFor();
}

/** Unfolds the members card's forms (add, invite, leave), which a group with people keeps folded. */
export async function openMemberForms(page: Page) {
  const toggle = page.getByRole('button', { name: /^Add people/ });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByLabel('Add a member by email or name').waitFor();
}

/** Opens a group from the groups page, by its link. */
export async function openGroup(page: Page, name: string) {
  await page.getByRole('link', { name: new RegExp(`^${name}\\b`) }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/**
 * Holds every request for the SSE stream until released, so a test can act while the page is
 * provably still reconnecting (or while no tab leads yet). Releasing lets the held requests through.
 */
export async function holdStreams(context: BrowserContext) {
  const held: Route[] = [];
  let arrived: () => void = () => undefined;
  const first = new Promise<void>((resolve, reject) => {
    arrived = resolve;
    setTimeout(() => reject(new Error(`no stream request within ${LIVE_TIMEOUT_MS} ms`)), LIVE_TIMEOUT_MS).unref();
  });
  first.catch(() => undefined); // awaited by the test, or not at all
  // Only the SSE stream: WebSocket upgrades do not pass through context.route.
  const isStream = (url: URL) => url.pathname === '/api/notifications/stream';
  const handler = (route: Route) => {
    held.push(route);
    arrived();
  };
  await context.route(isStream, handler);
  return {
    /** Resolves once a stream request is being held. */
    first,
    async release() {
      await context.unroute(isStream, handler);
      await Promise.all(held.map((r) => r.continue().catch(() => undefined)));
    },
  };
}

/** Open streams by transport, from the server's Prometheus gauge chipin_stream_connections. */
export async function streamConnections(baseUrl: string): Promise<{ sse: number; ws: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out = { sse: 0, ws: 0 } as Record<string, number> & { sse: number; ws: number };
  for (const m of text.matchAll(/^chipin_stream_connections\{transport="(\w+)"\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** Polls until `check` holds (for server-side state the page cannot wait on). */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeout = LIVE_TIMEOUT_MS) {
  const until = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

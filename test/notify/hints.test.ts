// Refresh hints (issue 13): group.updated coalesced per (stream, group), written in bounded rounds after
// the stream's notifications, never ahead of or in the way of a stored notification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHub } from '../../src/notify/hub.ts';
import { createHintRounds } from '../../src/notify/hints.ts';
import { createMetrics } from '../../src/notify/metrics.ts';
import type { Connection } from '../../src/notify/connection.ts';
import type { NotificationRow } from '../../src/store/store.ts';
import type { GroupUpdated, Reset } from '../../src/contract/events.ts';
import { startTestServer } from '../support/server.ts';
import { billFor, call, groupWith, register, type TestUser } from '../support/api.ts';
import { openSse, waitUntil } from '../support/streams.ts';

type Written = { at: number; tick: number; kind: 'notification' | 'hint'; id?: number; groupId?: string; version?: number };

/** An event-loop turn counter: bumped by a setImmediate chain, so writes in one turn share a number. */
function turns() {
  let tick = 0;
  let stop = false;
  const next = () => {
    tick++;
    if (!stop) setImmediate(next);
  };
  setImmediate(next);
  return { now: () => tick, stop: () => void (stop = true) };
}

function fakeHub(windowMs: number) {
  const rows = new Map<string, NotificationRow[]>();
  const store = {
    notificationsAfter: async (userId: string, after: number) => (rows.get(userId) ?? []).filter((r) => r.id > after),
    notificationState: async (userId: string) => ({ lastId: (rows.get(userId) ?? []).at(-1)?.id ?? 0, readUpTo: 0 }),
  };
  const hub = createHub({
    store,
    maxStreamsPerUser: 16,
    streamQueueBytes: 1 << 20,
    heartbeatMs: 3_600_000,
    groupHintMs: windowMs,
    stallMs: 1000,
    metrics: createMetrics(),
  });
  const clock = turns();
  const conn = (log: Written[]): Connection => ({
    transport: 'sse',
    sendNotification: (id) => void log.push({ at: performance.now(), tick: clock.now(), kind: 'notification', id }),
    sendControl: (m: GroupUpdated | Reset) => {
      if (m.type === 'group.updated')
        log.push({ at: performance.now(), tick: clock.now(), kind: 'hint', groupId: m.groupId, version: m.version });
    },
    heartbeat: () => true,
    bufferedBytes: () => 0,
    close: () => undefined,
  });
  const row = (userId: string, id: number): NotificationRow => {
    const r = { userId, id, type: 'bill.created', createdAt: new Date().toISOString(), readAt: null, data: '{}' };
    rows.set(userId, [...(rows.get(userId) ?? []), r]);
    return r;
  };
  return { hub, conn, row, clock };
}

test('coalescing keeps the last hint per group: one per (stream, group) per window, the newest version', async (t) => {
  const { hub, conn, clock } = fakeHub(200);
  t.after(() => {
    hub.shutdown();
    clock.stop();
  });
  const log: Written[] = [];
  const sub = hub.subscribe('ann', conn(log), undefined);
  await sub.ready;
  // A burst within one window: g goes 1..40 (one out of order), h 7 then 3 (an older one arriving late).
  for (let v = 1; v <= 40; v++)
    hub.publish({ notifications: [], groupUpdates: [{ groupId: 'g', memberIds: ['ann'], version: v === 20 ? 41 : v }] });
  hub.publish({ notifications: [], groupUpdates: [{ groupId: 'h', memberIds: ['ann', 'nobody'], version: 7 }] });
  hub.publish({ notifications: [], groupUpdates: [{ groupId: 'h', memberIds: ['ann'], version: 3 }] });
  await waitUntil(() => log.length >= 2, 'the first round');
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    log.map((w) => [w.groupId, w.version]),
    [
      ['g', 41],
      ['h', 7],
    ],
    'one hint per group, the newest version',
  );
  // The next change waits for the next round: at least one window after the first.
  const firstAt = log[0].at;
  hub.publish({ notifications: [], groupUpdates: [{ groupId: 'g', memberIds: ['ann'], version: 42 }] });
  await waitUntil(() => log.length >= 3, 'the second round');
  assert.deepEqual([log[2].groupId, log[2].version], ['g', 42]);
  assert.ok(log[2].at - firstAt >= 195, `second hint ${Math.round(log[2].at - firstAt)} ms after the first`);
  // Nothing is left pending once written.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(log.length, 3);
  assert.equal(hub.stats().hints.queued, 0);
});

test('a hint storm in a large group never delays a targeted notification', async (t) => {
  const { hub, conn, row, clock } = fakeHub(250);
  t.after(() => {
    hub.shutdown();
    clock.stop();
  });
  // 500 members with 10 streams each; "m0" receives the bills.
  const members = Array.from({ length: 500 }, (_, i) => `m${i}`);
  const logs = new Map<string, Written[][]>();
  const subs = [];
  for (const m of members) {
    const mine: Written[][] = [];
    for (let k = 0; k < 10; k++) {
      const log: Written[] = [];
      mine.push(log);
      subs.push(hub.subscribe(m, conn(log), undefined));
    }
    logs.set(m, mine);
  }
  await Promise.all(subs.map((s) => s.ready));
  // 60 bills in the group, one every few ms, each with one stored notification for m0 and a hint to all.
  const lateBy: number[] = [];
  for (let i = 1; i <= 60; i++) {
    hub.publish({ notifications: [row('m0', i)], groupUpdates: [{ groupId: 'big', memberIds: members, version: i }] });
    // Written before publish returns, on every stream of the receiver: nothing queues it behind hints.
    for (const log of logs.get('m0')!) {
      const last = log.filter((w) => w.kind === 'notification').at(-1);
      lateBy.push(last?.id === i ? 0 : 1);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(
    lateBy.reduce((a, b) => a + b, 0),
    0,
    'every notification was written within its publish',
  );
  await waitUntil(
    () => [...logs.values()].flat().every((l) => l.some((w) => w.kind === 'hint' && w.version === 60)),
    'every stream gets the last version',
    10_000,
  );
  const all = [...logs.values()].flat();
  // Bounded work per turn of the event loop: no turn wrote more than 64 hints.
  const perTurn = new Map<number, number>();
  for (const w of all.flat()) if (w.kind === 'hint') perTurn.set(w.tick, (perTurn.get(w.tick) ?? 0) + 1);
  assert.ok(Math.max(...perTurn.values()) <= 64, `a turn wrote ${Math.max(...perTurn.values())} hints`);
  // Coalesced: the storm of 60 changes × 5,000 streams became a few hints a stream, not 60.
  const hintsPerStream = all.map((l) => l.filter((w) => w.kind === 'hint').length);
  const elapsed = all.flat().reduce((a, w) => Math.max(a, w.at), 0) - all.flat().reduce((a, w) => Math.min(a, w.at), Infinity);
  assert.ok(
    Math.max(...hintsPerStream) <= Math.ceil(elapsed / 250) + 1,
    `${Math.max(...hintsPerStream)} hints on one stream in ${Math.round(elapsed)} ms`,
  );
  // On the receiver's streams, each hint comes after the notification of the change it announces.
  for (const log of logs.get('m0')!) {
    let lastId = 0;
    for (const w of log) {
      if (w.kind === 'notification') lastId = w.id!;
      else assert.ok(w.version! <= lastId, `hint v${w.version} written before notification ${w.version}`);
    }
  }
});

test('a stream still replaying gets its hints after its pending notifications', async (t) => {
  const { hub, conn, row, clock } = fakeHub(50);
  t.after(() => {
    hub.shutdown();
    clock.stop();
  });
  for (let i = 1; i <= 3; i++) row('bo', i);
  const log: Written[] = [];
  // Resuming from 0: the replay of 1..3 runs while a change is published.
  const sub = hub.subscribe('bo', conn(log), 0);
  hub.publish({ notifications: [row('bo', 4)], groupUpdates: [{ groupId: 'g', memberIds: ['bo'], version: 9 }] });
  await sub.ready;
  await waitUntil(() => log.some((w) => w.kind === 'hint'), 'the hint');
  assert.deepEqual(
    log.map((w) => (w.kind === 'hint' ? `hint ${w.version}` : `n${w.id}`)),
    ['n1', 'n2', 'n3', 'n4', 'hint 9'],
  );
});

test('over SSE, members of a busy group get few hints, receivers get every bill, and GET has the version', {
  timeout: 120_000,
}, async (t) => {
  const server = await startTestServer({ RATE_LIMIT: 'off', GROUP_HINT_MS: '250' });
  t.after(() => server.close());
  const base = server.url;
  const owner = await register(base, 'Owner');
  const others: TestUser[] = [];
  for (let i = 0; i < 12; i++) others.push(await register(base, `M${i}`));
  const groupId = await groupWith(base, owner, others);
  const streams = [owner, ...others].map((u) => ({ user: u, stream: openSse(base, u.token) }));
  t.after(() => streams.forEach((s) => s.stream.close()));
  await Promise.all(streams.map((s) => s.stream.opened));
  // 24 bills as fast as they go, each owed by one member in turn.
  const started = performance.now();
  for (let i = 0; i < 24; i++) await billFor(base, owner, groupId, [others[i % others.length]], 200, `B${i}`);
  const { body } = await call(base, 'GET', `/api/groups/${groupId}`, { token: owner.token });
  const version = body.group.version as number;
  // Every stream ends with the newest version; each receiver got both its bills.
  await waitUntil(
    () => streams.every((s) => s.stream.received.some((r) => r.event === 'group.updated' && r.data.version === version)),
    'last hint everywhere',
    20_000,
  );
  const elapsed = performance.now() - started;
  for (const { user, stream } of streams) {
    const hints = stream.received.filter((r) => r.event === 'group.updated');
    assert.ok(hints.length <= Math.ceil(elapsed / 250) + 1, `${user.name}: ${hints.length} hints in ${Math.round(elapsed)} ms`);
    const versions = hints.map((h) => h.data.version as number);
    assert.deepEqual(
      versions,
      [...versions].sort((a, b) => a - b),
      'versions only go up',
    );
    if (user !== owner) assert.equal(stream.received.filter((r) => r.event === 'bill.created').length, 2, `${user.name}: both bills`);
  }
});

test('a round runs to its end on its own: its slices do not wait for other I/O to wake the event loop', async () => {
  type Target = { closed: boolean; syncing: boolean; hints: Map<string, number> | null };
  const members = Array.from({ length: 2000 }, (_, i) => `u${i}`);
  const streams = new Map(members.map((m): [string, Target[]] => [m, [{ closed: false, syncing: false, hints: null }]]));
  let written = 0;
  const rounds = createHintRounds<Target>({
    windowMs: 10,
    maxWritesPerTick: 1,
    sliceMs: 0.5,
    streamsOf: (userId) => streams.get(userId),
    write: () => written++,
  });
  rounds.add('g1', 1, members);
  // One timer, and nothing else that could wake the loop: 2,000 one-write slices must still all run. With
  // unref'd immediates each slice waited in the poll phase for the next event (here, none until the timer).
  const started = performance.now();
  while (written < members.length && performance.now() - started < 2000) await new Promise((r) => setTimeout(r, 100));
  assert.equal(written, members.length, `${written} of ${members.length} hints written in 2 s`);
  assert.ok(performance.now() - started < 1000, `the round took ${Math.round(performance.now() - started)} ms`);
  rounds.clear();
});

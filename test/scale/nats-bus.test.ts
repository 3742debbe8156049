// The NATS bus between real server processes on one real PostgreSQL: what at-most-once delivery must not
// cost. A writer killed between COMMIT and publish, and a NATS server that dies mid-burst and comes back,
// lose nothing and double nothing at the receiver; requests keep succeeding while NATS is away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startChildServer, type ChildServer } from '../support/child-server.ts';
import { createTestDatabase, postgresRequired, postgresUnavailable } from '../support/postgres.ts';
import { billFor, call, groupWith, register } from '../support/api.ts';
import { openSse, type Received, type StreamClient } from '../support/streams.ts';
import { natsServerBinary, natsUnavailable, startOwnNats, type OwnNats } from '../support/nats.ts';

const HEARTBEAT_MS = 1000;
/** What a loaded 2-core machine may add to one heartbeat: the check's query, the write to the socket. */
const SLACK_MS = 1000;
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const ids = (rs: Received[]) => rs.map((r) => Number(r.id));
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

const pgDown = await postgresUnavailable();
const natsDown = await natsUnavailable(NATS_URL);
const binary = natsServerBinary();
const skipFor = (down: string | undefined) => (down && !postgresRequired ? `skipped: ${down}` : false);

async function metric(base: string, line: RegExp): Promise<string | undefined> {
  const res = await call(base, 'GET', '/metrics');
  return String(res.body)
    .split('\n')
    .find((l) => line.test(l));
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a writer SIGKILLed between COMMIT and publish: the receiver on another instance gets the row within one heartbeat', {
  skip: skipFor(pgDown ?? natsDown),
}, async (t) => {
  if (pgDown ?? natsDown) assert.fail(`${pgDown ?? natsDown} (required under CI=true)`);
  const db = await createTestDatabase();
  const instances: ChildServer[] = [];
  const streams: StreamClient[] = [];
  t.after(async () => {
    for (const s of streams) s.close();
    for (const i of instances) await i.close();
    await db.drop();
  });
  const env = { DATABASE_URL: db.url, BUS_URL: NATS_URL, HEARTBEAT_MS: String(HEARTBEAT_MS) };
  // A dies at its first notifying commit, after COMMIT and before it publishes.
  instances.push(await startChildServer({ ...env, CHIPIN_TEST_KILL_AFTER_COMMITS: '1' }), await startChildServer(env));
  const [A, B] = instances;
  const alice = await register(B.url, 'Alice');
  const bob = await register(B.url, 'Bob');
  const groupId = await groupWith(B.url, alice, [bob]);
  const bobOnB = openSse(B.url, bob.token, { lastEventId: '0' });
  streams.push(bobOnB);
  await bobOnB.opened;
  await bobOnB.waitFor(1); // group.member_added, id 1

  const posted = call(A.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: alice.token,
    body: { description: 'Last words', amount: 3000, split: { mode: 'equal', among: [alice.id, bob.id] } },
  });
  await assert.rejects(posted, 'A dies before it answers');
  const diedAt = Date.now();
  assert.equal(await A.exited, 'SIGKILL');
  const [created] = await bobOnB.waitFor(1, (r) => r.event === 'bill.created', HEARTBEAT_MS + SLACK_MS);
  t.diagnostic(`arrived ${Date.now() - diedAt} ms after the writer died (heartbeat ${HEARTBEAT_MS} ms)`);
  assert.equal(created.id, '2');
  assert.equal(created.data.data.bill.description, 'Last words');
  await new Promise((r) => setTimeout(r, 2 * HEARTBEAT_MS));
  assert.deepEqual(ids(bobOnB.notifications()), [1, 2], 'once, and nothing else');
});

test('NATS killed and restarted mid-burst: nothing lost, nothing doubled, nothing refused', {
  skip: skipFor(pgDown ?? (binary ? undefined : 'no nats-server binary to run a NATS of our own')),
}, async (t) => {
  if (pgDown) assert.fail(`${pgDown} (required under CI=true)`);
  assert.ok(binary, 'nats-server is required under CI=true');
  const db = await createTestDatabase();
  const nats: OwnNats = await startOwnNats(binary);
  const instances: ChildServer[] = [];
  const streams: StreamClient[] = [];
  t.after(async () => {
    for (const [i, { output }] of instances.entries()) if (output()) t.diagnostic(`instance ${'AB'[i]} logged:\n${output()}`);
    for (const s of streams) s.close();
    for (const i of instances) await i.close();
    await nats.close();
    await db.drop();
  });
  const env = { DATABASE_URL: db.url, BUS_URL: nats.url, HEARTBEAT_MS: String(HEARTBEAT_MS) };
  const started = await Promise.all([startChildServer(env), startChildServer(env)]);
  instances.push(...started);
  const [A, B] = instances;
  const alice = await register(A.url, 'Alice');
  const bob = await register(A.url, 'Bob');
  const groupId = await groupWith(A.url, alice, [bob]);
  const bobOnB = openSse(B.url, bob.token, { lastEventId: '0' });
  streams.push(bobOnB);
  await bobOnB.opened;
  await bobOnB.waitFor(1);
  await until(async () => /\s1$/.test((await metric(B.url, /^chipin_bus_connected\{bus="nats"\}/)) ?? ''), 'B connected to NATS', 5000);

  const PER_PHASE = 20;
  const burst = async (phase: string) => {
    // Both instances write; a few at a time, so the phases overlap the outage as traffic would.
    for (let i = 0; i < PER_PHASE; i += 4) {
      await Promise.all(range(i, 4).map((j) => billFor(j % 2 ? B.url : A.url, alice, groupId, [bob], 200, `${phase} ${j}`)));
    }
  };
  await burst('before');
  await nats.kill();
  await burst('during'); // billFor asserts 201: a dead NATS refuses no write
  for (const s of instances) assert.equal((await call(s.url, 'GET', '/healthz')).status, 200, 'healthy while NATS is away');
  await until(async () => /\s0$/.test((await metric(B.url, /^chipin_bus_connected\{bus="nats"\}/)) ?? ''), 'B reporting NATS down', 5000);
  await nats.start();
  await until(async () => /\s1$/.test((await metric(B.url, /^chipin_bus_connected\{bus="nats"\}/)) ?? ''), 'B reconnected', 10_000);
  // Nothing is written now, so no later row can reveal a gap: what was lost comes from the resync alone.
  await bobOnB.waitFor(1 + 2 * PER_PHASE, undefined, 2 * HEARTBEAT_MS + SLACK_MS);
  await burst('after');

  const total = 3 * PER_PHASE;
  const got = (await bobOnB.waitFor(1 + total, undefined, 5 * HEARTBEAT_MS)).filter((r) => r.id !== undefined);
  await new Promise((r) => setTimeout(r, 2 * HEARTBEAT_MS));
  assert.deepEqual(ids(bobOnB.notifications()), range(1, 1 + total), 'every row once, in order');
  assert.equal(got.length, 1 + total);
});

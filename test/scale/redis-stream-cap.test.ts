// MAX_STREAMS_PER_USER counted across instances (REDIS_URL, src/notify/stream-cap.ts): two servers on one
// PostgreSQL and one Redis (a key prefix of this test's own). At the cap, a new stream evicts the user's
// oldest stream wherever it is — on its own instance at once, on the other within one heartbeat period —
// and the evicted stream is told `evicted`; a dead instance's streams stop counting after their TTL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startTestServer } from '../support/server.ts';
import { REDIS_URL, redisUnavailable } from '../support/redis.ts';
import { register } from '../support/api.ts';
import { openSse, waitUntil, type StreamClient } from '../support/streams.ts';
import { createTestDatabase, postgresRequired, postgresUnavailable } from '../support/postgres.ts';
import { STREAM_TTL_PERIODS } from '../../src/notify/stream-cap.ts';

const HEARTBEAT_MS = 300;

const down = (await postgresUnavailable()) ?? (await redisUnavailable());
const skip = down && !postgresRequired ? `skipped: ${down}` : false;

async function twoInstances(t: import('node:test').TestContext) {
  if (down) assert.fail(`${down} (required under CI=true)`);
  const prefix = `chipin-test-${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(REDIS_URL);
  const db = await createTestDatabase();
  const streams: StreamClient[] = [];
  const env = { DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, MAX_STREAMS_PER_USER: '2', HEARTBEAT_MS: String(HEARTBEAT_MS) };
  const A = await startTestServer(env);
  const B = await A.sidecar(env);
  t.after(async () => {
    for (const s of streams) s.close();
    await B.close();
    await A.close();
    await db.drop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  const ann = await register(A.url, 'Ann');
  const open = async (server: { url: string }) => {
    const s = openSse(server.url, ann.token);
    streams.push(s);
    await s.opened;
    return s;
  };
  const evicted = (s: StreamClient) => s.received.some((r) => r.event === 'evicted');
  const counted = async () => redis.zcard(`${prefix}streams:${ann.id}`);
  return { A, B, ann, open, evicted, counted, redis, prefix };
}

test('with REDIS_URL, the stream cap holds across two instances: the oldest stream is evicted wherever it is', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const { A, B, open, evicted, counted } = await twoInstances(t);
  const s1 = await open(A);
  await sleep(20); // distinct open times: "oldest" is well defined
  const s2 = await open(B);
  await sleep(20);
  assert.equal(evicted(s1) || evicted(s2), false, 'at the cap, nothing is evicted');

  // A third stream, on B: the oldest is s1, on A. A learns it at its next refresh (one heartbeat period).
  const started = Date.now();
  const s3 = await open(B);
  await waitUntil(() => evicted(s1), 's1 on A told evicted', 10 * HEARTBEAT_MS + 5000);
  const took = Date.now() - started;
  assert.ok(took < 2 * HEARTBEAT_MS + 2000, `evicted after ${took} ms: within a heartbeat period`);
  await waitUntil(() => A.hub.stats().subscribers === 0 && B.hub.stats().subscribers === 2, 'A has none, B two');
  assert.equal(evicted(s2) || evicted(s3), false);

  // A fourth, on A: the oldest is now s2, on B.
  await sleep(20);
  const s4 = await open(A);
  await waitUntil(() => evicted(s2), 's2 on B told evicted', 10 * HEARTBEAT_MS + 5000);
  await waitUntil(() => A.hub.stats().subscribers === 1 && B.hub.stats().subscribers === 1, 'one each');
  assert.equal(evicted(s3) || evicted(s4), false, 'the two newest stay');
  assert.equal(await counted(), 2, 'Redis counts the two open streams');

  // A local eviction (the oldest, s3, is on B, where the new one opens) is at once, and evicts only it.
  await sleep(20);
  const s5 = await open(B);
  await waitUntil(() => evicted(s3), 's3 told evicted', 5000);
  await sleep(3 * HEARTBEAT_MS);
  assert.equal(evicted(s4) || evicted(s5), false, 'one new stream evicts one old one');
  assert.equal(A.hub.stats().subscribers + B.hub.stats().subscribers, 2);
  assert.equal(await counted(), 2);
});

test("with REDIS_URL, a dead instance's streams stop counting after their TTL; closed streams at once", {
  skip,
  timeout: 60_000,
}, async (t) => {
  const { A, B, ann, open, evicted, counted, redis, prefix } = await twoInstances(t);
  const key = `${prefix}streams:${ann.id}`;
  const s1 = await open(A);
  // Two streams of an instance that died after s1 opened: they were last refreshed just now, so they count
  // for one TTL more (written by hand, with a short expiry, as that instance's last refresh would have).
  const [sec, micro] = await redis.time();
  const nowMs = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
  const expiry = nowMs + HEARTBEAT_MS * STREAM_TTL_PERIODS;
  await redis.zadd(key, expiry, `${sec}${String(micro).padStart(6, '0')}:dead:1`, expiry, `${sec}${String(micro).padStart(6, '0')}:dead:2`);
  await sleep(20);
  const s2 = await open(B);
  // Four counted, two over the cap: the two oldest go, s1 (live, on A) and one of the dead.
  await waitUntil(() => evicted(s1), 'while the dead streams count, s1 is evicted', 10 * HEARTBEAT_MS + 5000);

  await sleep(Math.max(0, expiry - Date.now()) + 200); // past the dead streams' expiry
  const s3 = await open(A);
  await sleep(3 * HEARTBEAT_MS);
  assert.equal(evicted(s2) || evicted(s3), false, "the dead instance's streams no longer count");
  assert.equal(await counted(), 2);

  s3.close();
  await waitUntil(() => A.hub.stats().subscribers === 0, 'the closed stream is gone from A');
  for (let i = 0; i < 50 && (await counted()) !== 1; i++) await sleep(20);
  assert.equal(await counted(), 1, 'a closed stream stops counting at once');
});

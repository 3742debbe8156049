// Behaviour under stress: slow consumers, the per-user cap, graceful shutdown, connection churn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startChildServer } from '../support/child-server.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { billFor, groupWith, register, type TestUser } from '../support/api.ts';
import { openSse, openWs, waitUntil } from '../support/streams.ts';

/** Stores `count` notifications of about `bytes` each for the user, straight through the store. */
async function bigNotifications(server: TestServer, user: TestUser, count: number, bytes: number) {
  const filler = 'x'.repeat(bytes);
  const rows = [];
  for (let i = 0; i < count; i++) {
    rows.push(
      await server.store.transaction((tx) =>
        tx.appendNotification(user.id, 'group.member_added', new Date().toISOString(), JSON.stringify({ filler })),
      ),
    );
  }
  return rows;
}

async function metric(base: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = pattern.exec(text);
  return m ? Number(m[1]) : 0;
}

test('a slow SSE reader is closed once its queue passes the bound; resuming loses nothing', async (t) => {
  const server = await startTestServer({ STREAM_QUEUE_BYTES: '65536', STREAM_STALL_MS: '500' });
  t.after(() => server.close());
  const bob = await register(server.url, 'Bob');
  await bigNotifications(server, bob, 150, 64 * 1024); // ~10 MB: more than the kernel buffers hold
  const { port } = new URL(server.url);
  // A raw client that sends the request and then never reads.
  const socket = connect(Number(port), '127.0.0.1');
  t.after(() => socket.destroy());
  socket.pause();
  socket.write(
    `GET /api/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${bob.token}\r\nLast-Event-ID: 0\r\n\r\n`,
  );
  const slowDrops = () => metric(server.url, /chipin_stream_closed_total\{reason="slow"\} (\d+)/);
  const start = Date.now();
  while ((await slowDrops()) === 0 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await slowDrops(), 1);
  assert.equal(server.hub.stats().subscribers, 0);
  // Memory did not follow the backlog: the server stopped writing at the bound.
  const reader = openSse(server.url, bob.token, { lastEventId: '0' });
  t.after(() => reader.close());
  const all = await reader.waitFor(150, undefined, 20_000);
  assert.deepEqual(
    all.map((r) => Number(r.id)),
    Array.from({ length: 150 }, (_, i) => i + 1),
  );
});

test('a slow WebSocket reader is closed with 4008', async (t) => {
  const server = await startTestServer({ STREAM_QUEUE_BYTES: '65536', STREAM_STALL_MS: '500' });
  t.after(() => server.close());
  const bob = await register(server.url, 'Bob');
  await bigNotifications(server, bob, 150, 64 * 1024);
  const ws = openWs(server.url, bob.token, { lastEventId: '0' });
  t.after(() => ws.close());
  await ws.opened;
  ws.ws.pause();
  await waitUntil(() => server.hub.stats().subscribers === 0, 'the slow reader to be dropped', 10_000);
  ws.ws.resume();
  assert.equal(await ws.closed, 4008);
  assert.ok(ws.notifications().length < 150, 'it did not get everything before being dropped');
});

test('per-user cap: the oldest stream is evicted and told not to come back', async (t) => {
  const server = await startTestServer({ MAX_STREAMS_PER_USER: '2' });
  t.after(() => server.close());
  const bob = await register(server.url, 'Bob');
  const oldest = openSse(server.url, bob.token);
  await oldest.opened;
  const oldestWs = openWs(server.url, bob.token);
  await oldestWs.opened;
  const third = openSse(server.url, bob.token);
  t.after(() => [oldest, oldestWs, third].forEach((s) => s.close()));
  await third.opened;
  const [evicted] = await oldest.waitFor(1, (r) => r.event === 'evicted');
  assert.equal(evicted.data.type, 'evicted');
  const fourth = openSse(server.url, bob.token);
  t.after(() => fourth.close());
  await fourth.opened;
  assert.equal(await oldestWs.closed, 4009);
  assert.equal(server.hub.stats().subscribers, 2);
});

test('SIGTERM: streams are told to come back, sockets close cleanly, the process exits', async (t) => {
  const server = await startChildServer();
  t.after(() => server.close());
  const base = server.url;
  const bob = await register(base, 'Bob');
  const sse = await fetch(`${base}/api/notifications/stream`, { headers: { authorization: `Bearer ${bob.token}` } });
  const ws = openWs(base, bob.token);
  await ws.opened;
  const stoppedAt = Date.now();
  const exited = server.kill('SIGTERM');
  let text = '';
  const reader = sse.body!.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
  const retries = [...text.matchAll(/retry: (\d+)\n/g)].map((m) => Number(m[1]));
  assert.equal(retries.length, 2, 'the opening retry and the shutdown retry');
  assert.ok(retries[1] >= 3000 && retries[1] < 6000, `shutdown retry ${retries[1]} is a few seconds with jitter`);
  assert.equal(await ws.closed, 1012);
  assert.equal(await exited, 0, server.output());
  assert.ok(Date.now() - stoppedAt < 5000, 'exited within a few seconds');
});

test('1,000 connect/disconnect cycles leave no subscriber and no timer behind', async (t) => {
  const server = await startTestServer({ HEARTBEAT_MS: '1000' });
  t.after(() => server.close());
  const alice = await register(server.url, 'Alice');
  const bob = await register(server.url, 'Bob');
  const groupId = await groupWith(server.url, alice, [bob]);
  for (let round = 0; round < 100; round++) {
    const batch = Array.from({ length: 10 }, (_, i) => (i % 2 ? openWs(server.url, bob.token) : openSse(server.url, bob.token)));
    await Promise.all(batch.map((s) => s.opened));
    if (round % 25 === 0) {
      await billFor(server.url, alice, groupId, [bob]);
      await Promise.all(batch.map((s) => s.waitFor(1)));
    }
    batch.forEach((s) => s.close());
  }
  await waitUntil(() => server.hub.stats().subscribers === 0, 'every subscriber to be released', 10_000);
  assert.deepEqual(server.hub.stats(), { subscribers: 0, users: 0, timer: false, hints: { queued: 0, running: false, timer: false } });
});

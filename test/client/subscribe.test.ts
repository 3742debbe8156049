// The SDK's subscribe(): states, resume across a server restart, de-duplication, gap repair, reset, eviction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { subscribe, type ConnectionState } from '../../src/client/subscribe.ts';
import { nodeTransports } from '../../src/client/node.ts';
import type { Notification } from '../../src/contract/events.ts';
import { billFor, groupWith, register } from '../support/api.ts';
import { startTestServer } from '../support/server.ts';
import { waitUntil } from '../support/streams.ts';

for (const transport of ['sse', 'ws'] as const) {
  test(`${transport}: live, then reconnecting across a restart, then every bill exactly once`, async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const base = server.url;
    const alice = await register(base, 'Alice');
    const bob = await register(base, 'Bob');
    const groupId = await groupWith(base, alice, [bob]);

    const states: ConnectionState[] = [];
    const got: Notification[] = [];
    const sub = subscribe((n) => got.push(n), {
      baseUrl: base,
      transport,
      lastEventId: '0',
      minDelayMs: 50,
      maxDelayMs: 200,
      onState: (s) => states.push(s),
      ...nodeTransports(bob.token),
    });
    t.after(() => sub.close());
    await waitUntil(() => sub.state === 'live' && got.length === 1, 'live with the backlog');
    await billFor(base, alice, groupId, [bob], 100, 'before');
    await waitUntil(() => got.length === 2, 'the live bill');

    await server.stop();
    await waitUntil(() => sub.state === 'reconnecting', 'the SDK to say reconnecting');
    // A bill committed while the client is away, through a second instance on the same database that the
    // client does not know of: only resume can bring it.
    const sidecar = await server.sidecar();
    await billFor(sidecar.url, alice, groupId, [bob], 100, 'while away');
    await sidecar.close();
    assert.equal(sub.state, 'reconnecting');
    await server.start();
    await waitUntil(() => sub.state === 'live', 'live again', 10_000);
    await billFor(base, alice, groupId, [bob], 100, 'after');
    await waitUntil(() => got.length === 4, 'all four', 10_000);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      got.map((n) => n.id),
      ['1', '2', '3', '4'],
    );
    assert.deepEqual(
      got.slice(1).map((n) => (n.type === 'bill.created' ? n.data.bill.description : n.type)),
      ['before', 'while away', 'after'],
    );
    assert.equal(states[0], 'connecting');
    assert.ok(states.includes('reconnecting'));
    assert.equal(states.at(-1), 'live');
    assert.equal(sub.lastEventId, '4');
  });
}

/** A scripted SSE server: the first connection skips id 2; a resume from 1 sends 2 and 3 again. */
test('the SDK notices a gap in ids, resumes from what it has and drops duplicates', async (t) => {
  const requests: (string | undefined)[] = [];
  const event = (id: number) =>
    `id: ${id}\nevent: bill.created\ndata: ${JSON.stringify({ id: String(id), type: 'bill.created', createdAt: '', readAt: null, data: {} })}\n\n`;
  const http = createServer((req, res) => {
    const last = new URL(req.url!, 'http://x').searchParams.get('lastEventId') ?? undefined;
    requests.push(last);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (last === '0') res.write(event(1) + event(3));
    else if (last === '1') res.write(event(2) + event(3) + event(3));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  t.after(() => {
    http.closeAllConnections();
    http.close();
  });
  const { port } = http.address() as { port: number };
  const got: string[] = [];
  const sub = subscribe((n) => got.push(n.id), {
    baseUrl: `http://127.0.0.1:${port}`,
    lastEventId: '0',
    minDelayMs: 20,
    ...nodeTransports('t'),
  });
  t.after(() => sub.close());
  await waitUntil(() => got.length >= 3, 'ids 1, 2, 3');
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(got, ['1', '2', '3']);
  assert.deepEqual(requests.slice(0, 2), ['0', '1']);
});

test('reset calls onReset and moves the position; eviction stops the SDK for good', async (t) => {
  const server = await startTestServer({ MAX_STREAMS_PER_USER: '1' });
  t.after(() => server.close());
  const bob = await register(server.url, 'Bob');
  let reset: string | undefined;
  const first = subscribe(() => undefined, {
    baseUrl: server.url,
    lastEventId: '42',
    onReset: (id) => (reset = id),
    ...nodeTransports(bob.token),
  });
  await waitUntil(() => reset !== undefined, 'reset');
  assert.equal(reset, '0');
  assert.equal(first.lastEventId, '0');
  const second = subscribe(() => undefined, { baseUrl: server.url, transport: 'ws', ...nodeTransports(bob.token) });
  t.after(() => {
    first.close();
    second.close();
  });
  await waitUntil(() => first.state === 'offline', 'the evicted SDK to stop');
  await waitUntil(() => second.state === 'live', 'the newer one live');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(first.state, 'offline', 'it did not come back to evict the other');
  assert.equal(server.hub.stats().subscribers, 1);
});

for (const transport of ['sse', 'ws'] as const) {
  test(`${transport}: logout ends the SDK's stream for good with onEnded('logged_out')`, async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const bob = await register(server.url, 'Bob');
    const ended: string[] = [];
    const sub = subscribe(() => undefined, {
      baseUrl: server.url,
      transport,
      minDelayMs: 20,
      onEnded: (r) => ended.push(r),
      ...nodeTransports(bob.token),
    });
    t.after(() => sub.close());
    await waitUntil(() => sub.state === 'live', 'live');
    const out = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${bob.token}` } });
    assert.equal(out.status, 204);
    await waitUntil(() => sub.state === 'offline', 'the SDK to stop');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(ended, ['logged_out']);
    assert.equal(sub.state, 'offline', 'it did not try to come back');
    assert.equal(server.hub.stats().subscribers, 0);
  });
}

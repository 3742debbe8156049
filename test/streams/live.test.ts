// Live delivery over both transports, with third-party clients (eventsource, ws) on real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';
import { billFor, call, groupWith, register, type TestUser } from '../support/api.ts';
import { openSse, openWs } from '../support/streams.ts';

async function setup(t: import('node:test').TestContext, env: Record<string, string> = {}) {
  const server = await startTestServer(env);
  t.after(() => server.close());
  const alice = await register(server.url, 'Alice');
  const bob = await register(server.url, 'Bob');
  const carol = await register(server.url, 'Carol');
  const groupId = await groupWith(server.url, alice, [bob]);
  return { server, alice, bob, carol, groupId, base: server.url };
}

for (const transport of ['sse', 'ws'] as const) {
  const open = (base: string, u: TestUser, opts: { lastEventId?: string; query?: string } = {}) =>
    transport === 'sse' ? openSse(base, u.token, opts) : openWs(base, u.token, opts);

  test(`${transport}: a new bill reaches the receiver, a payment reaches the owner`, async (t) => {
    const { base, alice, bob, groupId } = await setup(t);
    const bobStream = open(base, bob);
    const aliceStream = open(base, alice);
    t.after(() => {
      bobStream.close();
      aliceStream.close();
    });
    await Promise.all([bobStream.opened, aliceStream.opened]);

    const bill = await billFor(base, alice, groupId, [bob], 3000, 'Dinner');
    const [created] = await bobStream.waitFor(1);
    assert.equal(created.event, 'bill.created');
    assert.equal(created.id, '2'); // 1 is Bob's group.member_added
    assert.equal(created.data.type, 'bill.created');
    assert.equal(created.data.data.bill.id, bill.id);
    assert.equal(created.data.data.amount, 1500);
    assert.deepEqual(created.data.data.actor, { id: alice.id, name: 'Alice' });

    // The stream carries the same JSON as the inbox.
    const inbox = await call(base, 'GET', '/api/notifications', { token: bob.token });
    assert.deepEqual(created.data, inbox.body.notifications[0]);

    const paid = await call(base, 'POST', `/api/bills/${bill.id}/pay`, { token: bob.token });
    assert.equal(paid.status, 200);
    const [payment] = await aliceStream.waitFor(1);
    assert.equal(payment.event, 'bill.paid');
    assert.equal(payment.id, '1');
    assert.equal(payment.data.data.actor.id, bob.id);
    assert.equal(payment.data.data.amount, 1500);
  });

  test(`${transport}: every tab of a user receives, another user receives nothing`, async (t) => {
    const { base, alice, bob, carol, groupId } = await setup(t);
    const tabs = [open(base, bob), open(base, bob)];
    const stranger = open(base, carol);
    t.after(() => [...tabs, stranger].forEach((s) => s.close()));
    await Promise.all([...tabs, stranger].map((s) => s.opened));
    await billFor(base, alice, groupId, [bob]);
    for (const tab of tabs) assert.equal((await tab.waitFor(1))[0].event, 'bill.created');
    // Alice's second bill: Carol still sees nothing of it, not even group.updated.
    await billFor(base, alice, groupId, [bob]);
    await tabs[0].waitFor(2);
    assert.deepEqual(stranger.received, []);
  });

  test(`${transport}: reconnecting with the last id gets exactly the missed notifications, in order`, async (t) => {
    const { base, alice, bob, groupId } = await setup(t);
    const first = open(base, bob);
    await first.opened;
    await billFor(base, alice, groupId, [bob], 100, 'one');
    const [seen] = await first.waitFor(1);
    first.close();
    const missed = [];
    for (const d of ['a', 'b', 'c']) missed.push(await billFor(base, alice, groupId, [bob], 100, d));
    const again = open(base, bob, { lastEventId: seen.id });
    t.after(() => again.close());
    const got = await again.waitFor(3);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      again.notifications().map((r) => r.id),
      ['3', '4', '5'],
    );
    assert.deepEqual(
      got.map((r) => r.data.data.bill.description),
      ['a', 'b', 'c'],
    );
  });

  test(`${transport}: lastEventId=0 replays every notification kept; resume id ahead of the server → reset`, async (t) => {
    const { base, alice, bob, groupId } = await setup(t);
    await billFor(base, alice, groupId, [bob]);
    const all = open(base, bob, { query: '?lastEventId=0' });
    t.after(() => all.close());
    assert.deepEqual(
      (await all.waitFor(2)).map((r) => r.event),
      ['group.member_added', 'bill.created'],
    );

    const ahead = open(base, bob, { lastEventId: '99' });
    t.after(() => ahead.close());
    const [reset] = await ahead.waitFor(1, (r) => r.event === 'reset');
    assert.deepEqual(reset.data, { type: 'reset', id: '2' });
    if (transport === 'sse') assert.equal(reset.id, '2');
    await billFor(base, alice, groupId, [bob]);
    const [next] = await ahead.waitFor(1);
    assert.equal(next.id, '3');
  });

  test(`${transport}: group.updated reaches every member with no id and is not stored`, async (t) => {
    const { base, alice, bob, groupId } = await setup(t);
    const aliceStream = open(base, alice);
    t.after(() => aliceStream.close());
    await aliceStream.opened;
    await billFor(base, alice, groupId, [bob]);
    // The hint carries the group's change counter, as GET /api/groups/:id reports it after the change
    // (an earlier hint, for adding Bob, may come first where the bus delivers it late).
    const { body } = await call(base, 'GET', `/api/groups/${groupId}`, { token: alice.token });
    assert.equal(typeof body.group.version, 'number');
    const [update] = await aliceStream.waitFor(1, (r) => r.event === 'group.updated' && r.data.version === body.group.version);
    assert.deepEqual(update.data, { type: 'group.updated', groupId, version: body.group.version });
    assert.equal(update.id, undefined);
    const inbox = await call(base, 'GET', '/api/notifications', { token: alice.token });
    assert.equal(inbox.body.notifications.length, 0);
  });
}

test('a notification committed while a replay runs is neither lost nor doubled', async (t) => {
  const { base, alice, bob, groupId } = await setup(t);
  // More than one replay batch (500), so the replay takes several queries.
  for (let i = 0; i < 520; i++) await billFor(base, alice, groupId, [bob], 200, `before ${i}`);
  const stream = openSse(base, bob.token, { lastEventId: '0' });
  t.after(() => stream.close());
  const during = Promise.all(Array.from({ length: 20 }, (_, i) => billFor(base, alice, groupId, [bob], 200, `during ${i}`)));
  await during;
  const total = 1 + 520 + 20;
  const got = await stream.waitFor(total, undefined, 20_000);
  await new Promise((r) => setTimeout(r, 200));
  const ids = stream.notifications().map((r) => Number(r.id));
  assert.equal(ids.length, total);
  assert.deepEqual(
    ids,
    Array.from({ length: total }, (_, i) => i + 1),
  );
  assert.equal(got.at(-1)!.data.type, 'bill.created');
});

test('SSE framing: headers, retry first, heartbeat comments', async (t) => {
  const server = await startTestServer({ HEARTBEAT_MS: '100' });
  t.after(() => server.close());
  const bob = await register(server.url, 'Bob');
  const ac = new AbortController();
  t.after(() => ac.abort());
  const res = await fetch(`${server.url}/api/notifications/stream`, {
    headers: { authorization: `Bearer ${bob.token}` },
    signal: ac.signal,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-cache, no-transform');
  assert.equal(res.headers.get('x-accel-buffering'), 'no');
  assert.ok(res.headers.get('content-security-policy'), 'security headers are kept on the stream');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const reader = res.body!.getReader();
  let text = '';
  const start = Date.now();
  while (!/\n:\n\n/.test(text.replace(/^retry: \d+\n:ok\n\n/, '\n')) && Date.now() - start < 3000) {
    const { value } = await reader.read();
    text += new TextDecoder().decode(value);
  }
  assert.match(text, /^retry: \d+\n/);
  assert.match(text, /\n:\n\n/, 'a heartbeat comment arrived');
});

test('resume ids: malformed → 400 on both transports; the header wins over the query', async (t) => {
  const { base, alice, bob, groupId } = await setup(t);
  for (const path of ['/api/notifications/stream', '/api/notifications/ws']) {
    const bad = await call(base, 'GET', `${path}?lastEventId=abc`, { token: bob.token });
    assert.equal(bad.status, 400, path);
    assert.equal(bad.body.errors[0].path, 'lastEventId');
    const badHeader = await call(base, 'GET', path, { token: bob.token, headers: { 'last-event-id': '-1' } });
    assert.equal(badHeader.status, 400, path);
  }
  await billFor(base, alice, groupId, [bob]);
  const s = openSse(base, bob.token, { lastEventId: '1', query: '?lastEventId=0' });
  t.after(() => s.close());
  await s.waitFor(1);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    s.notifications().map((r) => r.id),
    ['2'],
  );
});

test('streams need a session; a cookie WebSocket upgrade from a foreign Origin is refused', async (t) => {
  const { base, bob } = await setup(t);
  assert.equal((await call(base, 'GET', '/api/notifications/stream')).status, 401);
  await assert.rejects(openWs(base, undefined).opened, /401/);
  const cookie = `chipin_session=${bob.token}`;
  await assert.rejects(openWs(base, undefined, { headers: { cookie, origin: 'https://evil.example' } }).opened, /403/);
  const own = openWs(base, undefined, { headers: { cookie, origin: base } });
  t.after(() => own.close());
  await own.opened;
});

test('server metrics count open streams by transport and deliveries', async (t) => {
  const { base, alice, bob, groupId, server } = await setup(t);
  const a = openSse(base, bob.token);
  const b = openWs(base, bob.token);
  t.after(() => {
    a.close();
    b.close();
  });
  await Promise.all([a.opened, b.opened]);
  await billFor(base, alice, groupId, [bob]);
  await Promise.all([a.waitFor(1), b.waitFor(1)]);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /chipin_stream_connections\{transport="sse"\} 1/);
  assert.match(metrics, /chipin_stream_connections\{transport="ws"\} 1/);
  assert.match(metrics, /chipin_notifications_delivered_total\{transport="sse"\} 1/);
  assert.match(metrics, /chipin_delivery_lag_seconds_count 2/);
  assert.equal(server.hub.stats().subscribers, 2);
});

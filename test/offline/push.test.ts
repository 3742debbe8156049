// Web Push end to end: a child server (NODE_EXTRA_CA_CERTS is read at process start) sending to the test
// push service over HTTPS on loopback (./push-service.ts checks VAPID, TTL, aes128gcm and decrypts).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startChildServer, type ChildServer } from '../support/child-server.ts';
import { billFor, call, groupWith, register } from '../support/api.ts';
import { startPushService, until, type PushService } from './push-service.ts';

let push: PushService;
before(async () => {
  push = await startPushService();
});
after(async () => {
  await push.close();
});

async function serverWith(env: Record<string, string> = {}): Promise<ChildServer> {
  const server = await startChildServer({
    NODE_EXTRA_CA_CERTS: push.caFile,
    PUSH_ALLOWED_ORIGINS: push.origin,
    VAPID_SUBJECT: 'mailto:ops@chipin.test',
    PUSH_DELAY_SECONDS: '0',
    ...env,
  });
  const key = await call(server.url, 'GET', '/api/push/public-key');
  assert.equal(key.status, 200);
  assert.equal(Buffer.from(key.body.publicKey, 'base64url').length, 65);
  push.expectKey(key.body.publicKey);
  return server;
}

async function pair(url: string) {
  const alice = await register(url, 'Alice');
  const bob = await register(url, 'Bob');
  const groupId = await groupWith(url, alice, [bob], 'EUR');
  return { alice, bob, groupId };
}

test('subscriptions: only https endpoints of allowed origins (SSRF guard); same endpoint again re-binds; list; delete', async (t) => {
  const server = await serverWith();
  t.after(() => server.close());
  const { alice, bob } = await pair(server.url);
  const device = push.device('ssrf-ok');
  const http = { ...device.json, endpoint: device.endpoint.replace('https:', 'http:') };
  assert.equal((await call(server.url, 'POST', '/api/push/subscriptions', { token: bob.token, body: http })).status, 400);
  const foreign = { ...device.json, endpoint: 'https://169.254.169.254/latest/meta-data' };
  assert.equal((await call(server.url, 'POST', '/api/push/subscriptions', { token: bob.token, body: foreign })).status, 400);
  const created = await call(server.url, 'POST', '/api/push/subscriptions', { token: bob.token, body: device.json });
  assert.equal(created.status, 201);
  assert.equal(created.body.subscription.endpoint, device.endpoint);
  const again = await call(server.url, 'POST', '/api/push/subscriptions', { token: alice.token, body: device.json });
  assert.equal(again.status, 200);
  assert.equal(again.body.subscription.id, created.body.subscription.id);
  assert.deepEqual((await call(server.url, 'GET', '/api/push/subscriptions', { token: bob.token })).body.subscriptions, []);
  const mine = await call(server.url, 'GET', '/api/push/subscriptions', { token: alice.token });
  assert.deepEqual(
    mine.body.subscriptions.map((s: { id: string }) => s.id),
    [created.body.subscription.id],
  );
  assert.equal(
    (await call(server.url, 'DELETE', `/api/push/subscriptions/${created.body.subscription.id}`, { token: bob.token })).status,
    404,
  );
  assert.equal(
    (await call(server.url, 'DELETE', `/api/push/subscriptions/${created.body.subscription.id}`, { token: alice.token })).status,
    204,
  );
  assert.deepEqual((await call(server.url, 'GET', '/api/push/subscriptions', { token: alice.token })).body.subscriptions, []);
});

test("a bill reaches the receiver's device once: VAPID-signed, encrypted, TTL, Urgency, Topic, payload {id,type,title,body,url,data}", async (t) => {
  const server = await serverWith();
  t.after(() => server.close());
  const { alice, bob, groupId } = await pair(server.url);
  const device = push.device('payload');
  assert.equal((await call(server.url, 'POST', '/api/push/subscriptions', { token: bob.token, body: device.json })).status, 201);
  const bill = await billFor(server.url, alice, groupId, [bob], 5000, 'Dinner');
  await until(() => push.received.some((r) => r.device === 'payload'), 10_000, 'the push');
  await new Promise((r) => setTimeout(r, 1500)); // a second one would come within the worker's poll
  const got = push.received.filter((r) => r.device === 'payload');
  assert.equal(got.length, 1);
  assert.deepEqual(push.violations, []);
  const { payload, headers } = got[0];
  assert.equal(payload.type, 'bill.created');
  assert.equal(payload.id, '2'); // 1 is bob's group.member_added, from before the device subscribed
  assert.equal(payload.title, 'Alice added Dinner');
  assert.equal(payload.body, 'You owe €25.00 in Trip');
  assert.equal(payload.url, `/bills/${bill.id}`);
  assert.equal(payload.data.bill.id, bill.id);
  assert.equal(payload.data.amount, 2500);
  assert.ok(Number(headers.ttl) > 86_000 && Number(headers.ttl) <= 86_400);
  assert.equal(headers.urgency, 'high');
  assert.match(headers.topic ?? '', /^[A-Za-z0-9_-]{32}$/);
});

test('404 and 410 from the push service remove the subscription', async (t) => {
  const server = await serverWith();
  t.after(() => server.close());
  const { alice, bob, groupId } = await pair(server.url);
  for (const status of [410, 404]) {
    const device = push.device(`gone-${status}`);
    assert.equal((await call(server.url, 'POST', '/api/push/subscriptions', { token: bob.token, body: device.json })).status, 201);
    push.answer({ status });
    await billFor(server.url, alice, groupId, [bob]);
    await until(
      async () => (await call(server.url, 'GET', '/api/push/subscriptions', { token: bob.token })).body.subscriptions.length === 0,
      10_000,
      `the ${status} subscription to go`,
    );
    assert.equal(push.attempts.filter((a) => a.device === `gone-${status}`).length, 1);
  }
  assert.deepEqual(push.violations, []);
});

test('seen live suppresses the push; preferences switch push off per type', async (t) => {
  const server = await serverWith({ PUSH_DELAY_SECONDS: '2' });
  t.after(() => server.close());
  const { alice, bob, groupId } = await pair(server.url);
  const device = push.device('seen');
  assert.equal((await call(server.url, 'POST', '/api/push/subscriptions', { token: bob.token, body: device.json })).status, 201);
  await billFor(server.url, alice, groupId, [bob], 3000, 'Seen');
  assert.equal((await call(server.url, 'POST', '/api/notifications/seen', { token: bob.token, body: { upTo: '9' } })).status, 400);
  assert.equal((await call(server.url, 'POST', '/api/notifications/seen', { token: bob.token, body: { upTo: '2' } })).status, 204); // 1: added to the group, 2: the bill
  const off = await call(server.url, 'PUT', '/api/me/notification-preferences', {
    token: bob.token,
    body: { preferences: { 'bill.paid': { push: false } } },
  });
  assert.equal(off.status, 200);
  assert.deepEqual(off.body.preferences['bill.paid'], { push: false, email: true });
  await billFor(server.url, alice, groupId, [bob], 3000, 'Unseen');
  await until(() => push.received.some((r) => r.device === 'seen'), 10_000, "the unseen bill's push");
  await new Promise((r) => setTimeout(r, 2500));
  const got = push.received.filter((r) => r.device === 'seen').map((r) => r.payload.title);
  assert.deepEqual(got, ['Alice added Unseen']);
  const aliceDevice = push.device('prefs');
  assert.equal((await call(server.url, 'POST', '/api/push/subscriptions', { token: alice.token, body: aliceDevice.json })).status, 201);
  assert.equal(
    (
      await call(server.url, 'PUT', '/api/me/notification-preferences', {
        token: alice.token,
        body: { preferences: { 'bill.paid': { push: false } } },
      })
    ).status,
    200,
  );
  const bill = await billFor(server.url, bob, groupId, [alice], 1000, 'Taxi');
  assert.equal((await call(server.url, 'POST', `/api/bills/${bill.id}/pay`, { token: alice.token })).status, 200);
  await until(() => push.received.some((r) => r.device === 'prefs'), 10_000, "alice's bill.created push");
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(
    push.received.filter((r) => r.device === 'prefs').map((r) => r.payload.type),
    ['bill.created'],
  );
  assert.deepEqual(push.violations, []);
});

test('a push the service refused with 429 Retry-After is retried after a restart (kill -9 mid-retry), and delivered once', async (t) => {
  const server = await serverWith();
  t.after(() => server.close());
  const { alice, bob, groupId } = await pair(server.url);
  const device = push.device('restart');
  assert.equal((await call(server.url, 'POST', '/api/push/subscriptions', { token: bob.token, body: device.json })).status, 201);
  push.answer({ status: 500 }, { status: 429, headers: { 'retry-after': '3' } });
  await billFor(server.url, alice, groupId, [bob], 3000, 'Retry');
  await until(() => push.attempts.filter((a) => a.device === 'restart').length === 2, 15_000, 'the 500 and the 429');
  // Mid-retry: the 429's retry is recorded (a kill before that leaves the row leased; PostgreSQL then waits
  // out the lease, SQLite frees it at start). The worker counts it once it is stored.
  await until(
    async () =>
      /chipin_offline_deliveries_total\{channel="push",outcome="retried"\} 2/.test(await (await fetch(`${server.url}/metrics`)).text()),
    10_000,
    'the retry recorded',
  );
  await server.kill('SIGKILL');
  await server.start();
  await until(() => push.received.some((r) => r.device === 'restart'), 15_000, 'the push after the restart');
  const attempts = push.attempts.filter((a) => a.device === 'restart');
  assert.deepEqual(
    attempts.map((a) => a.status),
    [500, 429, 201],
  );
  assert.ok(attempts[2].at - attempts[1].at >= 2900, `Retry-After honoured (${attempts[2].at - attempts[1].at} ms)`);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(push.received.filter((r) => r.device === 'restart').length, 1);
  assert.deepEqual(push.violations, []);
});

// Issue 19 item 10 (part): every API response carries `Cache-Control: no-store` (RFC 9111 §5.2.2.5), so
// no browser or shared cache keeps a user's groups, bills or session token, successes and errors alike.
// The SSE stream keeps its own `no-cache, no-transform`; pages and assets outside /api keep theirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { startTestServer } from '../support/server.ts';
import { billFor, call, groupWith, register, type Res } from '../support/api.ts';
import { declaredRoutes } from './declared-routes.ts';
import { loadUnsubscribeTokens } from '../../src/notify/deliveries/keys.ts';

const PASSWORD = 'correct horse battery';
/** An https origin on loopback that push endpoints may name (nothing is sent: push is off without VAPID_SUBJECT). */
const PUSH_ORIGIN = 'https://127.0.0.1:9';
const device = () => ({
  endpoint: `${PUSH_ORIGIN}/push/${randomBytes(8).toString('hex')}`,
  keys: { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') },
});

function noStore(res: Res | Response, what: string) {
  assert.equal(res.headers.get('cache-control'), 'no-store', `${what} (${res.status}): Cache-Control ${res.headers.get('cache-control')}`);
}

test('every API route answers with Cache-Control: no-store, signed in or not, success or error', { timeout: 60_000 }, async (t) => {
  const s = await startTestServer({ RATE_LIMIT: 'on', BILL_LIMIT_PER_USER: '3', PUSH_ALLOWED_ORIGINS: PUSH_ORIGIN });
  t.after(() => s.close());
  const ann = await register(s.url, 'Ann');
  const bob = await register(s.url, 'Bob');
  const groupId = await groupWith(s.url, ann, [bob]);
  const toPay = (await billFor(s.url, ann, groupId, [bob])).id as string;
  const toDelete = (await billFor(s.url, ann, groupId, [bob])).id as string;
  // Payments Bob makes to Ann, which Ann confirms or disputes.
  const paid = async () =>
    (await call(s.url, 'POST', `/api/groups/${groupId}/payments`, { token: bob.token, body: { to: ann.id, amount: 5 } })).body.payment
      .id as string;
  const toConfirm = await paid();
  const toDispute = await paid();
  const carol = await register(s.url, 'Carol');
  const stranger = await register(s.url, 'Sam');
  const joiner = await register(s.url, 'Jo');
  const invite = async () =>
    (await call(s.url, 'POST', `/api/groups/${groupId}/invites`, { token: ann.token, body: {} })).body.invite as {
      id: string;
      url: string;
    };
  const [toRevoke, toAccept] = [await invite(), await invite()];
  const pendingId = (
    await call(s.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { name: 'Pat' } })
  ).body.group.members.at(-1).id as string;
  const toUnsubscribe = (await call(s.url, 'POST', '/api/push/subscriptions', { token: ann.token, body: device() })).body.subscription
    .id as string;

  // One call per route as its user would make it (2xx), then the same anonymously (401).
  const rows: [route: string, method: string, path: string, body?: unknown][] = [
    ['GET /api/me', 'GET', '/api/me'],
    ['GET /api/groups', 'GET', '/api/groups'],
    ['POST /api/groups', 'POST', '/api/groups', { name: 'Flat' }],
    ['GET /api/groups/:groupId', 'GET', `/api/groups/${groupId}`],
    ['POST /api/groups/:groupId/members', 'POST', `/api/groups/${groupId}/members`, { email: carol.email }],
    ['GET /api/groups/:groupId/balances', 'GET', `/api/groups/${groupId}/balances`],
    ['GET /api/groups/:groupId/bills', 'GET', `/api/groups/${groupId}/bills`],
    [
      'POST /api/groups/:groupId/bills',
      'POST',
      `/api/groups/${groupId}/bills`,
      { description: 'Tea', amount: 100, split: { mode: 'equal', among: [ann.id, bob.id] } },
    ],
    ['GET /api/bills/:billId', 'GET', `/api/bills/${toPay}`],
    ['PATCH /api/bills/:billId', 'PATCH', `/api/bills/${toPay}`, { notes: 'edited' }],
    ['GET /api/bills/:billId/history', 'GET', `/api/bills/${toPay}/history`],
    ['POST /api/bills/:billId/remind', 'POST', `/api/bills/${toPay}/remind`],
    ['POST /api/bills/:billId/pay', 'POST', `/api/bills/${toPay}/pay`],
    // Bob takes back the payment he has just marked (within the undo window).
    ['POST /api/bills/:billId/unpay', 'POST', `/api/bills/${toPay}/unpay`],
    ['GET /api/notifications', 'GET', '/api/notifications'],
    ['POST /api/notifications/read', 'POST', '/api/notifications/read', { all: true }],
    ['DELETE /api/bills/:billId', 'DELETE', `/api/bills/${toDelete}`],
    ['POST /api/groups/:groupId/payments', 'POST', `/api/groups/${groupId}/payments`, { to: bob.id, amount: 10 }],
    ['GET /api/groups/:groupId/payments', 'GET', `/api/groups/${groupId}/payments`],
    ['POST /api/payments/:paymentId/confirm', 'POST', `/api/payments/${toConfirm}/confirm`],
    ['POST /api/payments/:paymentId/dispute', 'POST', `/api/payments/${toDispute}/dispute`],
    ['POST /api/auth/logout', 'POST', '/api/auth/logout'],
    // Dan's session, so Ann's stays for the error cases below: the password change keeps the caller's session.
    ['POST /api/auth/password', 'POST', '/api/auth/password', { current: PASSWORD, next: 'another horse battery' }],
    ['POST /api/auth/logout-all', 'POST', '/api/auth/logout-all'],
    ['POST /api/groups/:groupId/invites', 'POST', `/api/groups/${groupId}/invites`, {}],
    ['GET /api/groups/:groupId/invites', 'GET', `/api/groups/${groupId}/invites`],
    ['GET /api/groups/:groupId/activity', 'GET', `/api/groups/${groupId}/activity`],
    ['DELETE /api/invites/:inviteId', 'DELETE', `/api/invites/${toRevoke.id}`],
    ['POST /api/invites/:token/accept', 'POST', `/api/invites/${toAccept.url.split('/join/')[1]}/accept`, {}],
    ['DELETE /api/groups/:groupId/members/:userId', 'DELETE', `/api/groups/${groupId}/members/${pendingId}`],
    // Issue 14: a user's devices and preferences are theirs alone, and the seen mark too.
    ['POST /api/push/subscriptions', 'POST', '/api/push/subscriptions', device()],
    ['GET /api/push/subscriptions', 'GET', '/api/push/subscriptions'],
    ['DELETE /api/push/subscriptions/:id', 'DELETE', `/api/push/subscriptions/${toUnsubscribe}`],
    ['GET /api/me/notification-preferences', 'GET', '/api/me/notification-preferences'],
    ['PUT /api/me/notification-preferences', 'PUT', '/api/me/notification-preferences', { preferences: { 'bill.paid': { push: false } } }],
    ['POST /api/notifications/seen', 'POST', '/api/notifications/seen', { all: true }],
  ];
  const session = await call(s.url, 'POST', '/api/auth/login', { body: { email: ann.email, password: PASSWORD } });
  assert.equal(session.status, 200);
  noStore(session, 'POST /api/auth/login');
  const signUp = await call(s.url, 'POST', '/api/auth/register', {
    body: { name: 'Dan', email: `dan.${process.pid}.cache@example.test`, password: PASSWORD },
  });
  assert.equal(signUp.status, 201);
  noStore(signUp, 'POST /api/auth/register');
  for (const [route, method, path, body] of rows) {
    // Bob pays his share of Ann's bill; logout ends the extra session, not the one the rest uses.
    const token =
      route === 'POST /api/auth/logout'
        ? session.body.token
        : route === 'POST /api/bills/:billId/pay' || route === 'POST /api/bills/:billId/unpay'
          ? bob.token
          : route === 'POST /api/invites/:token/accept'
            ? joiner.token
            : route.startsWith('POST /api/auth/')
              ? signUp.body.token
              : ann.token;
    // An edit names the version it read (If-Match), or it is a 428.
    const headers = method === 'PATCH' ? { 'if-match': '"1"' } : undefined;
    const res = await call(s.url, method, path, { token, body, headers });
    assert.ok(res.status >= 200 && res.status < 300, `${route}: ${res.status} ${JSON.stringify(res.body)}`);
    noStore(res, route);
    const anon = await call(s.url, method, path, { body, headers });
    assert.equal(anon.status, 401, route);
    noStore(anon, `${route} anonymously`);
  }
  // The invite link's preview needs no session: answered alike signed in or not, and never stored either way.
  const preview = await call(s.url, 'GET', `/api/invites/${toAccept.url.split('/join/')[1]}`);
  assert.equal(preview.status, 200);
  noStore(preview, 'GET /api/invites/:token');
  // Who is signed in: 200 whether or not anyone is (never a 401), and neither answer is stored, the
  // signed-out {user: null} included (a cached one would hide a sign-in from the next load).
  for (const token of [ann.token, undefined]) {
    const who = await call(s.url, 'GET', '/api/session', { token });
    assert.equal(who.status, 200);
    assert.deepEqual(who.body, { user: token ? { id: ann.id, name: ann.name, email: ann.email } : null });
    noStore(who, `GET /api/session ${token ? 'signed in' : 'anonymously'}`);
  }
  // The VAPID public key is public too: the same answer signed in or not, and not stored.
  for (const token of [ann.token, undefined]) {
    const key = await call(s.url, 'GET', '/api/push/public-key', { token });
    assert.equal(key.status, 200);
    noStore(key, `GET /api/push/public-key ${token ? 'signed in' : 'anonymously'}`);
  }
  // The email's unsubscribe link is outside /api but names a user (the token is the credential): its page
  // and its one-click answer are not stored either, whoever follows it, with or without a session.
  const link = `/unsubscribe/${(await loadUnsubscribeTokens(s.store.read)).sign(carol.id)}`;
  for (const [method, token] of [
    ['GET', undefined],
    ['GET', carol.token],
    ['POST', undefined],
    ['POST', carol.token],
  ] as const) {
    const res = await call(s.url, method, link, { token });
    assert.equal(res.status, 200, `${method} /unsubscribe/:token`);
    noStore(res, `${method} /unsubscribe/:token ${token ? 'signed in' : 'anonymously'}`);
  }
  const covered = new Set([
    ...rows.map((r) => r[0]),
    'GET /api/invites/:token',
    'GET /api/session',
    'GET /api/push/public-key',
    'GET /unsubscribe/:token',
    'POST /unsubscribe/:token',
    'POST /api/auth/login',
    'POST /api/auth/register',
    'GET /api/notifications/stream',
    'GET /api/notifications/ws',
    'GET /api/openapi.json',
    'GET /healthz',
    'GET /metrics',
  ]);
  assert.deepEqual(
    declaredRoutes().filter((r) => !covered.has(r)),
    [],
    'routes missing from this table',
  );

  // Errors raised at every stage of a signed-in request: the Origin check (onRequest), the body parser,
  // validation, the command, the rate limit, an unknown route, a wrong password.
  const errors: [string, Res, number][] = [
    [
      'foreign Origin',
      await call(s.url, 'POST', '/api/groups', { token: ann.token, body: { name: 'X' }, headers: { origin: 'http://evil.example' } }),
      403,
    ],
    [
      'cookie without Origin',
      await call(s.url, 'POST', '/api/groups', { body: { name: 'X' }, headers: { cookie: `chipin_session=${bob.token}` } }),
      403,
    ],
    [
      'malformed JSON',
      await call(s.url, 'POST', '/api/groups', { token: ann.token, raw: '{', headers: { 'content-type': 'application/json' } }),
      400,
    ],
    [
      'unsupported media type',
      await call(s.url, 'POST', '/api/groups', {
        token: ann.token,
        raw: 'name=X',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    ],
    ['invalid body', await call(s.url, 'POST', '/api/groups', { token: ann.token, body: { name: 12 } }), 400],
    ["a stranger's group", await call(s.url, 'GET', `/api/groups/${groupId}`, { token: stranger.token }), 404],
    [
      'a cross-origin cookie read of the session',
      await call(s.url, 'GET', '/api/session', { headers: { cookie: `chipin_session=${bob.token}`, origin: 'http://evil.example' } }),
      403,
    ],
    ['a bad bearer token', await call(s.url, 'GET', '/api/me', { token: 'nobody' }), 401],
    ['a wrong password', await call(s.url, 'POST', '/api/auth/login', { body: { email: ann.email, password: 'wrong password' } }), 401],
    ['an unknown API route', await call(s.url, 'GET', '/api/nothing-here', { token: ann.token }), 404],
  ];
  for (const [what, res, status] of errors) {
    assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
    noStore(res, what);
  }
  // The bill limit is 3 a minute: Bob's fourth is refused with 429, also not to be stored.
  for (let i = 0; i < 3; i++) await billFor(s.url, bob, groupId, [ann]);
  const limited = await call(s.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: bob.token,
    body: { description: 'Tea', amount: 100, split: { mode: 'equal', among: [ann.id, bob.id] } },
  });
  assert.equal(limited.status, 429);
  noStore(limited, 'rate-limited bill');

  // The SSE stream's refusal is an API response like any other; its open stream keeps SSE's own caching.
  const refused = await fetch(`${s.url}/api/notifications/stream`, { signal: AbortSignal.timeout(5000) });
  assert.equal(refused.status, 401);
  noStore(refused, 'anonymous SSE');
  await refused.body?.cancel();
  const stream = await fetch(`${s.url}/api/notifications/stream`, {
    headers: { authorization: `Bearer ${bob.token}` },
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(stream.status, 200);
  assert.equal(stream.headers.get('cache-control'), 'no-cache, no-transform');
  await stream.body?.cancel();
  // Outside /api, health checks are not users' data: unchanged.
  const health = await fetch(`${s.url}/healthz`);
  assert.equal(health.status, 200);
  assert.notEqual(health.headers.get('cache-control'), 'no-store');
});

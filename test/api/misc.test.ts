// Cross-cutting behaviour: health, the OpenAPI document, unknown paths, sessions on every route,
// body limits and parsing, and "bad input never changes stored data".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { expectInvalid, expectProblem, notificationsOf, useServer } from './shared.ts';

const api = useServer();

const rawPost = (user: TestUser | undefined, path: string, raw: string, contentType = 'application/json') =>
  call(api.url, 'POST', path, { token: user?.token, raw, headers: { 'content-type': contentType } });

/** Ann's group with Bob, and one bill Bob owes on. */
async function world() {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const groupId = await groupWith(api.url, ann, [bob]);
  const res = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: ann.token,
    body: { description: 'Dinner', amount: 3000, split: { mode: 'equal', among: [ann.id, bob.id] } },
  });
  assert.equal(res.status, 201);
  return { ann, bob, groupId, billId: res.body.bill.id as string };
}

/** What a user can observe of a group: its bills, its members, its balances, and their inbox. */
async function snapshot(user: TestUser, groupId: string) {
  const get = async (path: string) => {
    const res = await call(api.url, 'GET', path, { token: user.token });
    assert.equal(res.status, 200);
    return res.body;
  };
  return {
    bills: await get(`/api/groups/${groupId}/bills`),
    group: await get(`/api/groups/${groupId}`),
    balances: await get(`/api/groups/${groupId}/balances`),
    groups: await get('/api/groups'),
    inbox: await notificationsOf(api.url, user),
  };
}

test('GET /healthz → 200 {"ok":true}, no session needed', async () => {
  const res = await call(api.url, 'GET', '/healthz');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(res.body, { ok: true });
});

test('GET /api/openapi.json is public JSON describing every route of the contract', async () => {
  const res = await call(api.url, 'GET', '/api/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(typeof res.body.openapi, 'string');
  assert.match(res.body.openapi, /^3\./);
  const expected: [string, string][] = [
    ['post', '/api/auth/register'],
    ['post', '/api/auth/login'],
    ['post', '/api/auth/logout'],
    ['get', '/api/me'],
    ['get', '/api/groups'],
    ['post', '/api/groups'],
    ['get', '/api/groups/{groupId}'],
    ['post', '/api/groups/{groupId}/members'],
    ['get', '/api/groups/{groupId}/balances'],
    ['get', '/api/groups/{groupId}/bills'],
    ['post', '/api/groups/{groupId}/bills'],
    ['get', '/api/bills/{billId}'],
    ['delete', '/api/bills/{billId}'],
    ['post', '/api/bills/{billId}/pay'],
    ['get', '/api/notifications'],
    ['post', '/api/notifications/read'],
  ];
  for (const [method, path] of expected) {
    assert.ok(res.body.paths?.[path]?.[method], `openapi.json lacks ${method.toUpperCase()} ${path}`);
  }
});

test('an unknown /api path → 404 problem+json, with or without a session', async () => {
  const ann = await register(api.url, 'Ann');
  expectProblem(await call(api.url, 'GET', '/api/nope'), 404, 'not_found');
  expectProblem(await call(api.url, 'GET', '/api/nope', { token: ann.token }), 404, 'not_found');
  expectProblem(await call(api.url, 'GET', '/api/groups/x/y/z', { token: ann.token, headers: { accept: 'text/html' } }), 404, 'not_found');
  expectProblem(await call(api.url, 'POST', '/api/nope', { token: ann.token, body: {} }), 404, 'not_found');
});

test('every /api route without a session → 401 problem+json, and changes nothing', async () => {
  const { ann, bob, groupId, billId } = await world();
  const before = await snapshot(ann, groupId);
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/me'],
    ['POST', '/api/auth/logout'],
    ['GET', '/api/groups'],
    ['POST', '/api/groups', { name: 'Sneaky' }],
    ['GET', `/api/groups/${groupId}`],
    ['POST', `/api/groups/${groupId}/members`, { email: bob.email }],
    ['GET', `/api/groups/${groupId}/balances`],
    ['GET', `/api/groups/${groupId}/bills`],
    ['POST', `/api/groups/${groupId}/bills`, { description: 'X', amount: 100, split: { mode: 'equal', among: [ann.id, bob.id] } }],
    ['GET', `/api/bills/${billId}`],
    ['POST', `/api/bills/${billId}/pay`],
    ['DELETE', `/api/bills/${billId}`],
    ['GET', '/api/notifications'],
    ['POST', '/api/notifications/read', { all: true }],
  ];
  for (const [method, path, body] of routes) {
    expectProblem(await call(api.url, method, path, { body }), 401, 'unauthenticated');
    expectProblem(await call(api.url, method, path, { body, token: 'x'.repeat(43) }), 401, 'unauthenticated');
  }
  assert.deepEqual(await snapshot(ann, groupId), before);
  assert.equal((await call(api.url, 'GET', `/api/bills/${billId}`, { token: bob.token })).status, 200);
});

test('a body over 64 KiB → 413 problem+json; just under is parsed', async () => {
  const ann = await register(api.url, 'Ann');
  const big = JSON.stringify({ name: 'x'.repeat(64 * 1024) });
  expectProblem(await rawPost(ann, '/api/groups', big), 413, 'payload_too_large');
  expectProblem(
    await rawPost(undefined, '/api/auth/register', JSON.stringify({ name: 'x'.repeat(70_000), email: 'a@b.c', password: '12345678' })),
    413,
  );
  // 60 KiB is within the limit: it reaches validation (name too long) rather than being refused for size.
  expectInvalid(await rawPost(ann, '/api/groups', JSON.stringify({ name: 'x'.repeat(60 * 1024) })), 'name');
  assert.deepEqual((await call(api.url, 'GET', '/api/groups', { token: ann.token })).body.groups, []);
});

test('invalid JSON → 400 problem+json, never 500', async () => {
  const { ann, groupId } = await world();
  for (const raw of ['{"name": ', '{name: "x"}', "{'name':'x'}", '{"name":"x",}', 'undefined', '\u0000']) {
    expectProblem(await rawPost(ann, '/api/groups', raw), 400, 'validation');
    expectProblem(await rawPost(ann, `/api/groups/${groupId}/bills`, raw), 400, 'validation');
  }
  expectProblem(await rawPost(undefined, '/api/auth/login', '{"email":'), 400, 'validation');
});

test('JSON that is not an object, or carries __proto__ → 400', async () => {
  const { ann, groupId } = await world();
  for (const raw of [
    '[]',
    'null',
    '"Trip"',
    '42',
    'true',
    '{"name":"x","__proto__":{"admin":true}}',
    '{"name":"x","constructor":{"prototype":{"admin":true}}}',
  ]) {
    expectProblem(await rawPost(ann, '/api/groups', raw), 400, 'validation');
    expectProblem(await rawPost(ann, `/api/groups/${groupId}/bills`, raw), 400, 'validation');
  }
});

test('unknown fields → 400 naming the field, on every body', async () => {
  const { ann, bob, groupId } = await world();
  const email = `new.${process.pid}.${Date.now()}@example.test`;
  expectInvalid(
    await call(api.url, 'POST', '/api/auth/register', { body: { name: 'N', email, password: '12345678', admin: true } }),
    'admin',
  );
  expectInvalid(
    await call(api.url, 'POST', '/api/auth/login', { body: { email: ann.email, password: 'correct horse battery', remember: true } }),
    'remember',
  );
  expectInvalid(await call(api.url, 'POST', '/api/groups', { token: ann.token, body: { name: 'G', color: 'red' } }), 'color');
  expectInvalid(
    await call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { email: bob.email, role: 'admin' } }),
    'role',
  );
  expectInvalid(
    await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: ann.token,
      body: { description: 'X', amount: 100, split: { mode: 'equal', among: [ann.id, bob.id] }, paidAt: null },
    }),
    'paidAt',
  );
  expectInvalid(await call(api.url, 'POST', '/api/notifications/read', { token: ann.token, body: { all: true, mine: true } }), 'mine');
  expectInvalid(await call(api.url, 'GET', '/api/notifications?limit=5&page=2', { token: ann.token }), 'page');
  expectInvalid(await call(api.url, 'GET', `/api/groups/${groupId}/bills?offset=5`, { token: ann.token }), 'offset');
  // The refused registration stored nothing.
  assert.equal((await call(api.url, 'POST', '/api/auth/register', { body: { name: 'N', email, password: '12345678' } })).status, 201);
});

test('bad input never changes stored data: bills, balances, members and notifications are unchanged', async () => {
  const { ann, bob, groupId, billId } = await world();
  const eve = await register(api.url, 'Eve');
  const annBefore = await snapshot(ann, groupId);
  const bobBefore = await snapshot(bob, groupId);
  const bills = `/api/groups/${groupId}/bills`;
  const bad: [string, string, unknown, TestUser][] = [
    ['POST', bills, { description: 'X', amount: 100, split: { mode: 'equal', among: [ann.id, eve.id] } }, ann],
    ['POST', bills, { description: 'X', amount: 100, split: { mode: 'exact', amounts: { [ann.id]: 10, [bob.id]: 10 } } }, ann],
    ['POST', bills, { description: 'X', amount: 100.5, split: { mode: 'equal', among: [ann.id, bob.id] } }, ann],
    ['POST', bills, { description: 'X', amount: 100, split: { mode: 'percent', percents: { [ann.id]: 50.001, [bob.id]: 49.999 } } }, ann],
    ['POST', bills, { description: 'X', amount: 100, split: { mode: 'equal', among: [ann.id] } }, ann],
    ['POST', bills, { description: 'X', amount: 100, split: { mode: 'equal', among: [ann.id, bob.id] }, extra: 1 }, ann],
    ['POST', `/api/groups/${groupId}/members`, {}, ann], // neither email nor name (an unknown email adds a pending member)
    ['POST', `/api/groups/${groupId}/members`, { email: bob.email }, ann],
    ['POST', `/api/bills/${billId}/pay`, undefined, ann],
    ['DELETE', `/api/bills/${billId}`, undefined, bob],
    ['POST', '/api/notifications/read', { upTo: '99' }, bob],
    ['POST', '/api/notifications/read', { upTo: 1 }, bob],
    ['POST', '/api/groups', { name: 'X', currency: 'ABC' }, ann],
  ];
  for (const [method, path, body, user] of bad) {
    const res = await call(api.url, method, path, { token: user.token, body });
    assert.ok(res.status >= 400 && res.status < 500, `${method} ${path} → ${res.status}`);
  }
  assert.deepEqual(await snapshot(ann, groupId), annBefore);
  assert.deepEqual(await snapshot(bob, groupId), bobBefore);
  assert.deepEqual(await notificationsOf(api.url, eve), []);
});

test('odd path parameters are 400 or 404, never 500', async () => {
  const { ann } = await world();
  for (const id of ['x'.repeat(90), 'x'.repeat(300), '%E0%A4%A', '%', '%00', '..%2F..%2Fetc', "'%20OR%201=1--", '%F0%9F%92%B8', '0']) {
    for (const path of [`/api/groups/${id}`, `/api/bills/${id}`, `/api/groups/${id}/balances`, `/api/groups/${id}/bills`]) {
      const res = await call(api.url, 'GET', path, { token: ann.token });
      assert.ok(res.status === 400 || res.status === 404, `GET ${path} → ${res.status}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
  }
});

/** Logs in with a wrong password; returns the status. */
const failLogin = async (base: string, email: string) =>
  (await call(base, 'POST', '/api/auth/login', { body: { email, password: 'wrong password' } })).status;

test('with rate limiting on, sign-ins for one account are limited → 429 problem+json with Retry-After; other accounts are not', async (t) => {
  const server = await startTestServer({ RATE_LIMIT: 'on', LOGIN_LIMIT_PER_ACCOUNT: '3', LOGIN_LIMIT_PER_ADDRESS: '1000' });
  t.after(() => server.close());
  const ann = await register(server.url, 'Ann');
  const bob = await register(server.url, 'Bob');
  for (let i = 0; i < 3; i++) assert.equal(await failLogin(server.url, ann.email), 401);
  // The right password does not help once the account's budget is spent, nor does another spelling of the email.
  const limited = await call(server.url, 'POST', '/api/auth/login', {
    body: { email: ann.email.toUpperCase(), password: 'correct horse battery' },
  });
  expectProblem(limited, 429, 'rate_limited');
  assert.match(limited.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  assert.equal(
    (await call(server.url, 'POST', '/api/auth/login', { body: { email: bob.email, password: 'correct horse battery' } })).status,
    200,
  );
});

test('with rate limiting on, sign-ins from one address are limited across accounts', async (t) => {
  const server = await startTestServer({ RATE_LIMIT: 'on', LOGIN_LIMIT_PER_ACCOUNT: '1000', LOGIN_LIMIT_PER_ADDRESS: '4' });
  t.after(() => server.close());
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push(await failLogin(server.url, `someone${i}@example.test`));
  assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
});

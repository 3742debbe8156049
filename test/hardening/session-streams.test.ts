// Issue 19 item 6: a live stream belongs to the session it was opened with. Logout, logout everywhere and
// a password change end sessions and close their streams (`logged_out`: an SSE event, WebSocket close
// 4001), an expired session's streams close at the next heartbeat, expired sessions are purged, and a
// logout on one instance closes the stream on another sharing PostgreSQL within a heartbeat round.
// Runs on SQLite, and on PostgreSQL with TEST_STORE=postgres (the cross-instance test always on PostgreSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { billFor, call, groupWith, register, type TestUser } from '../support/api.ts';
import { openSse, openWs, waitUntil, type StreamClient } from '../support/streams.ts';
import { createTestDatabase, postgresRequired, postgresUnavailable } from '../support/postgres.ts';
import { hashToken } from '../../src/commands/auth.ts';

const PASSWORD = 'correct horse battery';

async function started(t: import('node:test').TestContext, env: Record<string, string> = {}) {
  const s = await startTestServer({ HEARTBEAT_MS: '200', ...env });
  t.after(() => s.close());
  return s;
}

/** A second session of the same account (another device). */
async function loginAgain(base: string, user: TestUser): Promise<string> {
  const r = await call(base, 'POST', '/api/auth/login', { body: { email: user.email, password: PASSWORD } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.token;
}

const loggedOut = (s: StreamClient) => s.received.some((r) => r.event === 'logged_out');

/** Both transports on one session; closed when the test ends. */
function streams(t: import('node:test').TestContext, base: string, token: string) {
  const sse = openSse(base, token);
  const ws = openWs(base, token);
  t.after(() => {
    sse.close();
    ws.close();
  });
  return { sse, ws, opened: Promise.all([sse.opened, ws.opened]) };
}

async function expectClosedForLogout(s: { sse: ReturnType<typeof openSse>; ws: ReturnType<typeof openWs> }, what: string) {
  await waitUntil(() => loggedOut(s.sse), `${what}: SSE logged_out event`);
  const event = s.sse.received.find((r) => r.event === 'logged_out')!;
  assert.equal(event.id, undefined, 'a control event carries no id');
  assert.equal(event.data.type, 'logged_out');
  assert.equal(await s.ws.closed, 4001, `${what}: WebSocket close code`);
}

async function stillLive(
  server: TestServer,
  owner: TestUser,
  receiver: TestUser,
  s: { sse: StreamClient; ws: StreamClient },
  what: string,
) {
  const groupId = await groupWith(server.url, owner, [receiver]);
  await billFor(server.url, owner, groupId, [receiver]);
  await s.sse.waitFor(1, (r) => r.event === 'bill.created');
  await s.ws.waitFor(1, (r) => r.event === 'bill.created');
  assert.ok(!loggedOut(s.sse), `${what}: SSE stream still open`);
}

test('logout closes the streams opened with that session, and only those', { timeout: 60_000 }, async (t) => {
  const server = await started(t);
  const [ann, bob] = [await register(server.url, 'Ann'), await register(server.url, 'Bob')];
  const other = await loginAgain(server.url, bob);
  const mine = streams(t, server.url, bob.token);
  const theirs = streams(t, server.url, other);
  await Promise.all([mine.opened, theirs.opened]);

  const out = await call(server.url, 'POST', '/api/auth/logout', { token: bob.token });
  assert.equal(out.status, 204);
  await expectClosedForLogout(mine, 'logout');
  assert.equal((await call(server.url, 'GET', '/api/me', { token: bob.token })).status, 401);
  await stillLive(server, ann, bob, theirs, 'the other session');
  assert.equal((await call(server.url, 'GET', '/api/me', { token: other })).status, 200);
});

test('logout-all: 204, every session of the account ends (read cache included) and every stream closes', { timeout: 60_000 }, async (t) => {
  const server = await started(t);
  const [ann, bob] = [await register(server.url, 'Ann'), await register(server.url, 'Bob')];
  const second = await loginAgain(server.url, bob);
  // Each session answered once first, so the SQLite read cache holds both.
  for (const token of [bob.token, second, ann.token]) assert.equal((await call(server.url, 'GET', '/api/me', { token })).status, 200);
  const one = streams(t, server.url, bob.token);
  const two = streams(t, server.url, second);
  const anns = streams(t, server.url, ann.token);
  await Promise.all([one.opened, two.opened, anns.opened]);

  const out = await call(server.url, 'POST', '/api/auth/logout-all', { token: second });
  assert.equal(out.status, 204);
  assert.match(String(out.headers.get('set-cookie')), /chipin_session=;/, "the caller's cookie is cleared");
  await expectClosedForLogout(one, 'logout-all, other session');
  await expectClosedForLogout(two, 'logout-all, own session');
  for (const token of [bob.token, second]) assert.equal((await call(server.url, 'GET', '/api/me', { token })).status, 401);
  // Another account is untouched.
  assert.equal((await call(server.url, 'GET', '/api/me', { token: ann.token })).status, 200);
  await stillLive(server, await register(server.url, 'Cid'), ann, anns, 'another account');
});

test("password change: checks the current one, follows the sign-up rules, ends every other session and its streams, keeps the caller's", {
  timeout: 60_000,
}, async (t) => {
  const server = await started(t);
  const [ann, bob] = [await register(server.url, 'Ann'), await register(server.url, 'Bob')];
  const other = await loginAgain(server.url, bob);
  assert.equal((await call(server.url, 'GET', '/api/me', { token: other })).status, 200);
  const mine = streams(t, server.url, bob.token);
  const theirs = streams(t, server.url, other);
  await Promise.all([mine.opened, theirs.opened]);

  const wrong = await call(server.url, 'POST', '/api/auth/password', {
    token: bob.token,
    body: { current: 'not it at all', next: 'a brand new secret' },
  });
  assert.equal(wrong.status, 400, JSON.stringify(wrong.body));
  assert.equal(wrong.body.code, 'validation');
  assert.deepEqual(
    wrong.body.errors.map((e: { path: string }) => e.path),
    ['current'],
  );
  const short = await call(server.url, 'POST', '/api/auth/password', { token: bob.token, body: { current: PASSWORD, next: 'short' } });
  assert.equal(short.status, 400);
  const extra = await call(server.url, 'POST', '/api/auth/password', {
    token: bob.token,
    body: { current: PASSWORD, next: 'a brand new secret', admin: true },
  });
  assert.equal(extra.status, 400);
  assert.equal((await call(server.url, 'GET', '/api/me', { token: other })).status, 200, 'a refused change ends nothing');

  const ok = await call(server.url, 'POST', '/api/auth/password', {
    token: bob.token,
    body: { current: PASSWORD, next: 'a brand new secret' },
  });
  assert.equal(ok.status, 204, JSON.stringify(ok.body));
  await expectClosedForLogout(theirs, 'password change, other session');
  assert.equal((await call(server.url, 'GET', '/api/me', { token: other })).status, 401);
  assert.equal((await call(server.url, 'GET', '/api/me', { token: bob.token })).status, 200, 'the caller stays signed in');
  await stillLive(server, ann, bob, mine, "the caller's session");

  const oldLogin = await call(server.url, 'POST', '/api/auth/login', { body: { email: bob.email, password: PASSWORD } });
  assert.equal(oldLogin.status, 401);
  const newLogin = await call(server.url, 'POST', '/api/auth/login', { body: { email: bob.email, password: 'a brand new secret' } });
  assert.equal(newLogin.status, 200);
  assert.equal(
    (await call(server.url, 'POST', '/api/auth/password', { body: { current: PASSWORD, next: 'whatever it is' } })).status,
    401,
    'needs a session',
  );
});

test('an expired session closes its streams at the next heartbeat; expired sessions are purged', { timeout: 60_000 }, async (t) => {
  const server = await started(t);
  const bob = await register(server.url, 'Bob');
  // A session that expires in 1.5 s, written as login would write it (only the token's hash is stored).
  const token = randomBytes(32).toString('base64url');
  const now = Date.now();
  await server.store.read.insertSession(hashToken(token), bob.id, new Date(now).toISOString(), new Date(now + 1500).toISOString());
  const s = streams(t, server.url, token);
  await s.opened;
  assert.ok(!loggedOut(s.sse), 'open while the session lasts');
  await expectClosedForLogout(s, 'expiry');
  const closedAfter = Date.now() - now;
  assert.ok(closedAfter >= 1500, `closed ${closedAfter} ms after the session started, before it expired`);
  assert.equal((await call(server.url, 'GET', '/api/me', { token })).status, 401);

  // The purge takes expired rows only.
  const past = randomBytes(32).toString('base64url');
  await server.store.read.insertSession(hashToken(past), bob.id, new Date(now - 10_000).toISOString(), new Date(now - 5000).toISOString());
  const at = new Date().toISOString();
  assert.ok((await server.store.read.purgeSessions(at)) >= 2, 'both expired sessions go');
  assert.deepEqual(await server.store.read.existingSessions([hashToken(token), hashToken(past), hashToken(bob.token)]), [
    hashToken(bob.token),
  ]);
  assert.equal((await call(server.url, 'GET', '/api/me', { token: bob.token })).status, 200);
});

const pgDown = await postgresUnavailable();

test('two instances on one PostgreSQL: a logout on A closes the stream on B within a heartbeat round', {
  timeout: 60_000,
  skip: pgDown && !postgresRequired ? `skipped: ${pgDown}` : false,
}, async (t) => {
  if (pgDown) assert.fail(`${pgDown} (required under CI=true)`);
  const db = await createTestDatabase();
  t.after(() => db.drop());
  const heartbeatMs = 300;
  const a = await startTestServer({ DATABASE_URL: db.url, HEARTBEAT_MS: String(heartbeatMs) });
  t.after(() => a.close());
  const b = await startTestServer({ DATABASE_URL: db.url, HEARTBEAT_MS: String(heartbeatMs) });
  t.after(() => b.close());
  const bob = await register(a.url, 'Bob');
  const keep = await loginAgain(a.url, bob);
  const onB = streams(t, b.url, bob.token);
  const keptOnB = streams(t, b.url, keep);
  await Promise.all([onB.opened, keptOnB.opened]);

  const start = Date.now();
  assert.equal((await call(a.url, 'POST', '/api/auth/logout', { token: bob.token })).status, 204);
  await expectClosedForLogout(onB, 'logout on the other instance');
  const took = Date.now() - start;
  // One round to notice plus the query; generous for a loaded machine, far below "never".
  assert.ok(took < heartbeatMs * 10, `closed after ${took} ms`);
  assert.ok(!loggedOut(keptOnB.sse), "the other session's stream on B stays");
  assert.equal(keptOnB.ws.ws.readyState, keptOnB.ws.ws.OPEN);
});

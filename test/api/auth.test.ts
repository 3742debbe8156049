// Accounts, sessions and the cross-origin rules, over real HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, register } from '../support/api.ts';
import { startTestServer } from '../support/server.ts';
import { expectInvalid, expectProblem, useServer } from './shared.ts';

const api = useServer();
const PASSWORD = 'correct horse battery';

let n = 0;
const freshEmail = (prefix = 'user') => `${prefix}.${process.pid}.${++n}@example.test`;

const signUp = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call(api.url, 'POST', '/api/auth/register', { body, headers });
const logIn = (email: string, password: string, headers: Record<string, string> = {}) =>
  call(api.url, 'POST', '/api/auth/login', { body: { email, password }, headers });
const me = (token: string) => call(api.url, 'GET', '/api/me', { token });
const withCookie = (token: string, extra: Record<string, string> = {}) => ({ cookie: `chipin_session=${token}`, ...extra });

/** The Set-Cookie for the session, split into its attributes (lower-cased names). */
function sessionCookie(headers: Headers) {
  const raw = headers.getSetCookie().find((c) => c.startsWith('chipin_session='));
  assert.ok(raw, `no session cookie in ${JSON.stringify(headers.getSetCookie())}`);
  const [pair, ...attrs] = raw.split(';').map((s) => s.trim());
  const value = pair.slice('chipin_session='.length);
  const attributes = new Map(
    attrs.map((a) => {
      const [k, v = ''] = a.split('=');
      return [k.toLowerCase(), v] as const;
    }),
  );
  return { value, attributes };
}

test('register → 201 with {user, token} and an HttpOnly, SameSite=Lax, non-Secure cookie on http', async () => {
  const email = freshEmail('ann');
  const res = await signUp({ name: 'Ann', email, password: PASSWORD });
  assert.equal(res.status, 201);
  assert.deepEqual(Object.keys(res.body).sort(), ['token', 'user']);
  assert.deepEqual(Object.keys(res.body.user).sort(), ['email', 'id', 'name']);
  assert.equal(res.body.user.name, 'Ann');
  assert.equal(res.body.user.email, email);
  assert.equal(typeof res.body.user.id, 'string');
  assert.ok(res.body.user.id.length > 0);
  assert.equal(typeof res.body.token, 'string');
  assert.ok(!JSON.stringify(res.body).includes(PASSWORD), 'the password is never echoed');

  const cookie = sessionCookie(res.headers);
  assert.equal(cookie.value, res.body.token);
  assert.ok(cookie.attributes.has('httponly'));
  assert.equal(cookie.attributes.get('samesite')?.toLowerCase(), 'lax');
  assert.ok(!cookie.attributes.has('secure'), 'no Secure attribute over plain http');
  assert.equal(cookie.attributes.get('path'), '/');

  // The token works both ways.
  const viaBearer = await me(res.body.token);
  assert.equal(viaBearer.status, 200);
  assert.deepEqual(viaBearer.body, { user: res.body.user });
  const viaCookie = await call(api.url, 'GET', '/api/me', { headers: withCookie(res.body.token) });
  assert.equal(viaCookie.status, 200);
  assert.deepEqual(viaCookie.body, { user: res.body.user });
});

test('register: the email is taken whatever its case → 409', async () => {
  const email = freshEmail('Bob');
  assert.equal((await signUp({ name: 'Bob', email, password: PASSWORD })).status, 201);
  const again = await signUp({ name: 'Bobby', email: email.toUpperCase(), password: 'another password' });
  expectProblem(again, 409, 'email_taken');
  assert.equal(again.headers.getSetCookie().length, 0, 'no session for a refused registration');
  // The first account is untouched: its password still works, the second one does not.
  assert.equal((await logIn(email, PASSWORD)).status, 200);
  expectProblem(await logIn(email, 'another password'), 401);
});

test('register: a password under 8 characters → 400; exactly 8 is fine', async () => {
  const email = freshEmail();
  expectInvalid(await signUp({ name: 'Cy', email, password: '1234567' }), 'password');
  // Nothing was stored: the same email can still register.
  assert.equal((await signUp({ name: 'Cy', email, password: '12345678' })).status, 201);
});

test('register: missing or malformed fields → 400 naming them', async () => {
  expectInvalid(await signUp({ email: freshEmail(), password: PASSWORD }), 'name');
  expectInvalid(await signUp({ name: 'Di', password: PASSWORD }), 'email');
  expectInvalid(await signUp({ name: 'Di', email: 'not-an-email', password: PASSWORD }), 'email');
  expectInvalid(await signUp({ name: '   ', email: freshEmail(), password: PASSWORD }), 'name');
  expectInvalid(await signUp({ name: 'Di', email: freshEmail(), password: 12345678 }), 'password');
});

test('login → 200 with {user, token} and a new session cookie; the email is matched case-insensitively', async () => {
  const u = await register(api.url, 'Eve');
  const res = await logIn(u.email.toUpperCase(), 'correct horse battery');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.user, { id: u.id, name: u.name, email: u.email });
  assert.notEqual(res.body.token, u.token, 'a new session');
  const cookie = sessionCookie(res.headers);
  assert.equal(cookie.value, res.body.token);
  assert.ok(cookie.attributes.has('httponly'));
  assert.equal(cookie.attributes.get('samesite')?.toLowerCase(), 'lax');
  assert.ok(!cookie.attributes.has('secure'));
  assert.equal((await me(res.body.token)).body.user.id, u.id);
});

test('login: a wrong password and an unknown email get the same 401', async () => {
  const u = await register(api.url, 'Fay');
  const wrong = await logIn(u.email, 'not the password');
  const unknown = await logIn(freshEmail('nobody'), 'not the password');
  expectProblem(wrong, 401);
  expectProblem(unknown, 401);
  assert.equal(wrong.body.detail, unknown.body.detail);
  assert.equal(wrong.body.title, unknown.body.title);
  assert.equal(wrong.body.type, unknown.body.type);
  assert.equal(wrong.headers.getSetCookie().length, 0);
  assert.equal(unknown.headers.getSetCookie().length, 0);
});

test('logout → 204, that token no longer works, other sessions still do', async () => {
  const u = await register(api.url, 'Gus');
  const other = (await logIn(u.email, PASSWORD)).body.token as string;
  const out = await call(api.url, 'POST', '/api/auth/logout', { token: u.token });
  assert.equal(out.status, 204);
  assert.equal(out.body, '');
  const cleared = out.headers.getSetCookie().find((c) => c.startsWith('chipin_session='));
  assert.ok(cleared, 'the cookie is cleared');
  assert.match(cleared, /chipin_session=;|Max-Age=0|Expires=Thu, 01 Jan 1970/i);

  expectProblem(await me(u.token), 401, 'unauthenticated');
  expectProblem(await call(api.url, 'POST', '/api/auth/logout', { token: u.token }), 401);
  expectProblem(await call(api.url, 'GET', '/api/me', { headers: withCookie(u.token) }), 401);
  assert.equal((await me(other)).status, 200);
});

test('logout by cookie needs the own Origin', async () => {
  const u = await register(api.url, 'Hal');
  expectProblem(await call(api.url, 'POST', '/api/auth/logout', { headers: withCookie(u.token) }), 403, 'cross_origin');
  assert.equal((await me(u.token)).status, 200, 'the refused logout did not end the session');
  const out = await call(api.url, 'POST', '/api/auth/logout', { headers: withCookie(u.token, { origin: api.url }) });
  assert.equal(out.status, 204);
  expectProblem(await me(u.token), 401);
});

test('/api/me → 200 {user}; without a session, with a bogus token or a non-Bearer scheme → 401', async () => {
  const u = await register(api.url, 'Ida');
  const ok = await me(u.token);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { user: { id: u.id, name: u.name, email: u.email } });

  expectProblem(await call(api.url, 'GET', '/api/me'), 401, 'unauthenticated');
  expectProblem(await me('A'.repeat(43)), 401, 'unauthenticated');
  expectProblem(await call(api.url, 'GET', '/api/me', { headers: { authorization: `Basic ${btoa('a:b')}` } }), 401);
  expectProblem(await call(api.url, 'GET', '/api/me', { headers: withCookie('not-a-session') }), 401);
});

test('Origin: a state-changing request from a foreign Origin → 403, whatever the credentials', async () => {
  const u = await register(api.url, 'Jo');
  const foreign = { origin: 'https://evil.example' };

  // Auth routes included: nothing is created by a refused registration.
  const email = freshEmail('cross');
  expectProblem(await signUp({ name: 'X', email, password: PASSWORD }, foreign), 403, 'cross_origin');
  expectProblem(await logIn(u.email, PASSWORD, foreign), 403, 'cross_origin');
  expectProblem(
    await call(api.url, 'POST', '/api/groups', { token: u.token, body: { name: 'Bearer' }, headers: foreign }),
    403,
    'cross_origin',
  );
  expectProblem(
    await call(api.url, 'POST', '/api/groups', { body: { name: 'Cookie' }, headers: withCookie(u.token, foreign) }),
    403,
    'cross_origin',
  );
  // Same host, other port or scheme: still foreign.
  const port = new URL(api.url).port;
  expectProblem(
    await call(api.url, 'POST', '/api/groups', {
      token: u.token,
      body: { name: 'P' },
      headers: { origin: `http://127.0.0.1:${Number(port) + 1}` },
    }),
    403,
  );
  expectProblem(
    await call(api.url, 'POST', '/api/groups', { token: u.token, body: { name: 'S' }, headers: { origin: `https://127.0.0.1:${port}` } }),
    403,
  );

  const groups = await call(api.url, 'GET', '/api/groups', { token: u.token });
  assert.deepEqual(groups.body.groups, [], 'no refused request created a group');
  assert.equal((await signUp({ name: 'X', email, password: PASSWORD })).status, 201, 'the refused registration stored nothing');

  // Reads are not state-changing: a foreign Origin on a GET is answered.
  assert.equal((await call(api.url, 'GET', '/api/me', { token: u.token, headers: foreign })).status, 200);
});

test('Origin: a cookie-authenticated POST needs the own Origin; Bearer needs none', async () => {
  const u = await register(api.url, 'Kit');
  const own = new URL(api.url).origin;
  assert.match(own, /^http:\/\/127\.0\.0\.1:\d+$/);

  expectProblem(
    await call(api.url, 'POST', '/api/groups', { body: { name: 'No origin' }, headers: withCookie(u.token) }),
    403,
    'cross_origin',
  );
  const viaCookie = await call(api.url, 'POST', '/api/groups', {
    body: { name: 'Own origin' },
    headers: withCookie(u.token, { origin: own }),
  });
  assert.equal(viaCookie.status, 201);
  const viaBearer = await call(api.url, 'POST', '/api/groups', { token: u.token, body: { name: 'Bearer' } });
  assert.equal(viaBearer.status, 201);
  const withOwnOrigin = await call(api.url, 'POST', '/api/groups', {
    token: u.token,
    body: { name: 'Bearer+origin' },
    headers: { origin: own },
  });
  assert.equal(withOwnOrigin.status, 201);

  const names = (await call(api.url, 'GET', '/api/groups', { token: u.token })).body.groups.map((g: { name: string }) => g.name).sort();
  assert.deepEqual(names, ['Bearer', 'Bearer+origin', 'Own origin']);
});

test('errors are problem+json with type, title, status, detail, and errors[] for validation', async () => {
  const res = await signUp({ name: 'Lu', email: 'bad', password: 'short' });
  expectProblem(res, 400, 'validation');
  const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
  assert.deepEqual(paths, ['email', 'password']);
  for (const e of res.body.errors) assert.ok(e.message.length > 0);
  assert.equal(res.body.type, 'urn:chipin:problem:validation');

  const unauth = await call(api.url, 'GET', '/api/me');
  expectProblem(unauth, 401);
  assert.notEqual(unauth.body.type, res.body.type, 'each kind of problem has its own type');
});

test('PUBLIC_URL set: it is the only own Origin, and the cookie is Secure when it is https', async (t) => {
  const server = await startTestServer({ PUBLIC_URL: 'https://chipin.example' });
  t.after(() => server.close());
  const res = await call(server.url, 'POST', '/api/auth/register', {
    body: { name: 'Mo', email: freshEmail('mo'), password: PASSWORD },
    headers: { origin: 'https://chipin.example' },
  });
  assert.equal(res.status, 201);
  assert.ok(sessionCookie(res.headers).attributes.has('secure'));
  const token = res.body.token as string;
  // The address the request came in on is not the service's origin any more.
  expectProblem(
    await call(server.url, 'POST', '/api/groups', { token, body: { name: 'G' }, headers: { origin: new URL(server.url).origin } }),
    403,
    'cross_origin',
  );
  expectProblem(
    await call(server.url, 'POST', '/api/groups', {
      body: { name: 'G' },
      headers: withCookie(token, { origin: new URL(server.url).origin }),
    }),
    403,
  );
  const ok = await call(server.url, 'POST', '/api/groups', {
    body: { name: 'G' },
    headers: withCookie(token, { origin: 'https://chipin.example' }),
  });
  assert.equal(ok.status, 201);
});

test('TRUST_PROXY on: the forwarded scheme and host make the own Origin; off, they are ignored', async (t) => {
  const proxied = await startTestServer({ TRUST_PROXY: 'on' });
  t.after(() => proxied.close());
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chipin.example' };
  const reg = await call(proxied.url, 'POST', '/api/auth/register', {
    body: { name: 'Ned', email: freshEmail('ned'), password: PASSWORD },
    headers: { ...forwarded, origin: 'https://chipin.example' },
  });
  assert.equal(reg.status, 201);
  assert.ok(sessionCookie(reg.headers).attributes.has('secure'), 'https behind the proxy → Secure cookie');
  const token = reg.body.token as string;
  const viaProxy = await call(proxied.url, 'POST', '/api/groups', {
    body: { name: 'G' },
    headers: withCookie(token, { ...forwarded, origin: 'https://chipin.example' }),
  });
  assert.equal(viaProxy.status, 201);
  expectProblem(
    await call(proxied.url, 'POST', '/api/groups', {
      body: { name: 'G' },
      headers: withCookie(token, { ...forwarded, origin: new URL(proxied.url).origin }),
    }),
    403,
  );

  // Without TRUST_PROXY the same headers are anyone's to send and change nothing.
  const u = await register(api.url, 'Olu');
  expectProblem(
    await call(api.url, 'POST', '/api/groups', {
      body: { name: 'G' },
      headers: withCookie(u.token, { ...forwarded, origin: 'https://chipin.example' }),
    }),
    403,
    'cross_origin',
  );
  const direct = await call(api.url, 'POST', '/api/auth/register', {
    body: { name: 'Pat', email: freshEmail('pat'), password: PASSWORD },
    headers: forwarded,
  });
  assert.equal(direct.status, 201);
  assert.ok(!sessionCookie(direct.headers).attributes.has('secure'));
});

// Abuse limits (issue 7): sign-in per account and per address, registration per address, bill creation per
// user (429 + Retry-After, each with its own setting, all off with RATE_LIMIT=off); streams capped per user;
// no session, no stream; security headers on every response, the SSE stream included; session cookies
// HttpOnly and SameSite (Secure under https).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { billFor, call, groupWith, register } from '../support/api.ts';
import { openSse, openWs, waitUntil } from '../support/streams.ts';
import { dbFileOf, openReader } from './store-dump.ts';

const PASSWORD = 'correct horse battery';
let n = 0;
const email = (p: string) => `${p}.limits.${process.pid}.${++n}@example.test`;

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: any };

/**
 * A request from a chosen loopback address (all of 127.0.0.0/8 reaches the server on Linux), so limits
 * keyed by address can be told apart from global ones.
 */
function from(
  address: string,
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      base + path,
      {
        method,
        localAddress: address,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text && /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : text,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

const login = (s: TestServer, address: string, mail: string, password = PASSWORD) =>
  from(address, s.url, 'POST', '/api/auth/login', { email: mail, password });
const signUp = (s: TestServer, address: string, mail = email('new')) =>
  from(address, s.url, 'POST', '/api/auth/register', { name: 'New', email: mail, password: PASSWORD });

function expectLimited(res: Answer, windowSeconds: number, what: string) {
  assert.equal(res.status, 429, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.body.status, 429);
  const retry = String(res.headers['retry-after']);
  assert.match(retry, /^\d+$/, `${what}: Retry-After ${retry}`);
  assert.ok(Number(retry) >= 1 && Number(retry) <= windowSeconds, `${what}: Retry-After ${retry} outside 1..${windowSeconds}`);
}

async function started(t: import('node:test').TestContext, env: Record<string, string>) {
  const s = await startTestServer(env);
  t.after(() => s.close());
  return s;
}

test('sign-in is limited per account (any address, any spelling of the email), not for everyone', { timeout: 60_000 }, async (t) => {
  const s = await started(t, { RATE_LIMIT: 'on', LOGIN_LIMIT_PER_ACCOUNT: '3', LOGIN_LIMIT_PER_ADDRESS: '1000' });
  const ann = await register(s.url, 'Ann');
  const bob = await register(s.url, 'Bob');
  for (let i = 0; i < 3; i++) assert.equal((await login(s, '127.0.0.1', ann.email, 'wrong password')).status, 401);
  expectLimited(await login(s, '127.0.0.1', ann.email), 60, 'the right password after three wrong ones');
  expectLimited(await login(s, '127.0.0.2', ann.email), 60, 'the same account from another address');
  expectLimited(await login(s, '127.0.0.3', `  ${ann.email.toUpperCase()} `), 60, 'the same account spelled differently');
  assert.equal((await login(s, '127.0.0.1', bob.email)).status, 200, 'another account from the same address');
  // A limited sign-in does not even reach the password check: no session was made.
  const db = openReader(dbFileOf(s));
  t.after(() => db.close());
  assert.equal(db.all(`SELECT 1 FROM sessions WHERE user_id = ?`, ann.id).length, 1, 'only the session from registering');
});

test('sign-in is limited per address, whichever accounts are tried', { timeout: 60_000 }, async (t) => {
  const s = await started(t, { RATE_LIMIT: 'on', LOGIN_LIMIT_PER_ACCOUNT: '1000', LOGIN_LIMIT_PER_ADDRESS: '3' });
  const ann = await register(s.url, 'Ann');
  for (let i = 0; i < 3; i++) assert.equal((await login(s, '127.0.0.1', email('guess'))).status, 401);
  expectLimited(await login(s, '127.0.0.1', ann.email), 60, 'a fourth account from one address');
  assert.equal((await login(s, '127.0.0.2', ann.email)).status, 200, 'another address');
});

test('registration is limited per address; a refused registration creates nobody', { timeout: 60_000 }, async (t) => {
  const s = await started(t, { RATE_LIMIT: 'on', REGISTER_LIMIT_PER_ADDRESS: '2' });
  assert.equal((await signUp(s, '127.0.0.1')).status, 201);
  assert.equal((await signUp(s, '127.0.0.1')).status, 201);
  const refused = email('refused');
  expectLimited(await signUp(s, '127.0.0.1', refused), 3600, 'a third registration within the hour');
  const db = openReader(dbFileOf(s));
  t.after(() => db.close());
  assert.equal(db.all(`SELECT 1 FROM users WHERE email = ?`, refused).length, 0);
  assert.equal((await signUp(s, '127.0.0.2')).status, 201, 'another address');
});

test('bill creation is limited per user; a refused bill is not stored and nobody is told', { timeout: 60_000 }, async (t) => {
  const s = await started(t, { RATE_LIMIT: 'on', BILL_LIMIT_PER_USER: '3' });
  const ann = await register(s.url, 'Ann');
  const bob = await register(s.url, 'Bob');
  const groupId = await groupWith(s.url, ann, [bob]);
  for (let i = 0; i < 3; i++) await billFor(s.url, ann, groupId, [bob]);
  const db = openReader(dbFileOf(s));
  t.after(() => db.close());
  const before = db.dump();
  const res = await call(s.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: ann.token,
    body: { description: 'One too many', amount: 100, split: { mode: 'equal', among: [ann.id, bob.id] } },
  });
  expectLimited({ status: res.status, headers: Object.fromEntries(res.headers), body: res.body }, 60, 'a fourth bill within the minute');
  assert.deepEqual(db.dump(), before);
  await billFor(s.url, bob, groupId, [ann]); // another user is not limited by Ann's bills
  // Reads are not limited.
  for (let i = 0; i < 10; i++) assert.equal((await call(s.url, 'GET', `/api/groups/${groupId}/bills`, { token: ann.token })).status, 200);
});

test('adding members is limited per user, found or not; a refused add changes nothing; others are not limited', {
  timeout: 60_000,
}, async (t) => {
  const s = await started(t, { RATE_LIMIT: 'on', MEMBER_ADD_LIMIT_PER_USER: '3' });
  const [ann, bob, carol, dan] = [
    await register(s.url, 'Ann'),
    await register(s.url, 'Bob'),
    await register(s.url, 'Carol'),
    await register(s.url, 'Dan'),
  ];
  const groupId = await groupWith(s.url, ann, []);
  const add = (as: { token: string }, group: string, mail: string) =>
    call(s.url, 'POST', `/api/groups/${group}/members`, { token: as.token, body: { email: mail } });
  // Three attempts of every kind count alike: a known email, an unknown one (a pending member), a member again.
  assert.equal((await add(ann, groupId, bob.email)).status, 201);
  assert.equal((await add(ann, groupId, email('nobody'))).status, 201);
  assert.equal((await add(ann, groupId, bob.email)).status, 409);
  const db = openReader(dbFileOf(s));
  t.after(() => db.close());
  const before = db.dump();
  for (const mail of [carol.email, email('somebody')]) {
    const res = await add(ann, groupId, mail);
    expectLimited(
      { status: res.status, headers: Object.fromEntries(res.headers), body: res.body },
      3600,
      `a fourth add within the hour (${mail})`,
    );
    assert.equal(res.body.code, 'rate_limited');
    assert.equal(res.body.errors, undefined, 'a refused add says nothing about the email');
  }
  assert.deepEqual(db.dump(), before, 'no member, no notification');
  // Ann's limit follows Ann, not the group: Bob adds Dan to the same group.
  assert.equal((await add(bob, groupId, dan.email)).status, 201);
  // Other routes of the same user are not counted against it.
  assert.equal((await call(s.url, 'GET', `/api/groups/${groupId}`, { token: ann.token })).status, 200);
});

test('RATE_LIMIT=off turns every limit off, however low they are set', { timeout: 60_000 }, async (t) => {
  const s = await started(t, {
    RATE_LIMIT: 'off',
    LOGIN_LIMIT_PER_ACCOUNT: '1',
    LOGIN_LIMIT_PER_ADDRESS: '1',
    REGISTER_LIMIT_PER_ADDRESS: '1',
    BILL_LIMIT_PER_USER: '1',
    MEMBER_ADD_LIMIT_PER_USER: '1',
  });
  const ann = await register(s.url, 'Ann');
  const bob = await register(s.url, 'Bob');
  for (let i = 0; i < 3; i++) assert.equal((await signUp(s, '127.0.0.1')).status, 201);
  for (let i = 0; i < 4; i++)
    assert.equal((await login(s, '127.0.0.1', ann.email, i % 2 ? PASSWORD : 'wrong password')).status, i % 2 ? 200 : 401);
  const groupId = await groupWith(s.url, ann, [bob]);
  for (let i = 0; i < 4; i++) await billFor(s.url, ann, groupId, [bob]);
  for (let i = 0; i < 3; i++)
    assert.equal(
      (await call(s.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { email: email(`nobody${i}`) } })).status,
      201,
    );
});

test('each limit has a default and its own setting; a bad value stops start-up naming the variable', () => {
  const defaults = parseConfig({});
  assert.equal(defaults.rateLimit, true, 'limits are on unless turned off');
  for (const [name, value] of Object.entries(defaults.limits)) assert.ok(Number.isInteger(value) && value > 1, `${name}: ${value}`);
  const set = parseConfig({
    LOGIN_LIMIT_PER_ACCOUNT: '7',
    LOGIN_LIMIT_PER_ADDRESS: '8',
    REGISTER_LIMIT_PER_ADDRESS: '9',
    BILL_LIMIT_PER_USER: '11',
    MEMBER_ADD_LIMIT_PER_USER: '12',
    STREAM_OPEN_LIMIT_PER_USER: '13',
    MAX_STREAMS_PER_USER: '4',
  });
  assert.deepEqual(
    { ...set.limits, streams: set.maxStreamsPerUser },
    {
      loginPerAccountPerMinute: 7,
      loginPerAddressPerMinute: 8,
      registerPerAddressPerHour: 9,
      billsPerUserPerMinute: 11,
      memberAddsPerUserPerHour: 12,
      streamOpensPerUserPerMinute: 13,
      streams: 4,
    },
  );
  for (const name of [
    'LOGIN_LIMIT_PER_ACCOUNT',
    'LOGIN_LIMIT_PER_ADDRESS',
    'REGISTER_LIMIT_PER_ADDRESS',
    'BILL_LIMIT_PER_USER',
    'MEMBER_ADD_LIMIT_PER_USER',
    'STREAM_OPEN_LIMIT_PER_USER',
    'MAX_STREAMS_PER_USER',
    'RATE_LIMIT',
  ]) {
    assert.throws(
      () => parseConfig({ [name]: 'lots' }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(name),
    );
  }
});

test("streams are capped per user across SSE and WebSocket; another user's are untouched", { timeout: 60_000 }, async (t) => {
  const s = await started(t, { MAX_STREAMS_PER_USER: '2' });
  const ann = await register(s.url, 'Ann');
  const bob = await register(s.url, 'Bob');
  const bobs = [openSse(s.url, bob.token), openWs(s.url, bob.token)];
  const first = openSse(s.url, ann.token);
  t.after(() => [...bobs, first].forEach((x) => x.close()));
  await Promise.all([...bobs.map((x) => x.opened), first.opened]);
  const second = openWs(s.url, ann.token);
  await second.opened;
  const extra = [openSse(s.url, ann.token), openWs(s.url, ann.token), openSse(s.url, ann.token)];
  t.after(() => [second, ...extra].forEach((x) => x.close()));
  await Promise.all(extra.map((x) => x.opened));
  await first.waitFor(1, (r) => r.event === 'evicted');
  assert.equal(await second.closed, 4009);
  await waitUntil(() => s.hub.stats().subscribers === 4, 'two streams for each user');
  // Bob's two streams still deliver.
  const groupId = await groupWith(s.url, ann, [bob]);
  await billFor(s.url, ann, groupId, [bob]);
  for (const b of bobs) assert.equal((await b.waitFor(2)).length, 2);
});

test('a stream without a session is refused before any work: no subscriber, no replay, no upgrade', { timeout: 60_000 }, async (t) => {
  const s = await started(t, {});
  const ann = await register(s.url, 'Ann');
  const bob = await register(s.url, 'Bob');
  await groupWith(s.url, ann, [bob]);
  for (const headers of [{}, { authorization: 'Bearer nobody' }, { cookie: 'chipin_session=nobody' }] as Record<string, string>[]) {
    const res = await fetch(`${s.url}/api/notifications/stream?lastEventId=0`, {
      headers: { ...headers, 'last-event-id': '0' },
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.doesNotMatch(await res.text(), /member_added/);
    const ws = openWs(s.url, undefined, { headers, lastEventId: '0' });
    await assert.rejects(ws.opened, /401/);
  }
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.doesNotMatch(metrics, /chipin_notifications_replayed_total\{[^}]*\} [1-9]/);
  assert.equal(s.hub.stats().subscribers, 0);
  // Nor does an anonymous change get as far as reading its body: 401, not a validation error.
  const anon = await call(s.url, 'POST', '/api/groups', { body: { name: 12 } });
  assert.equal(anon.status, 401);
});

// ---------------------------------------------------------------------------------------------
// Security headers and cookies

/** What helmet must have set, and the CSP our web app runs under. */
function assertSecurityHeaders(h: Headers | Record<string, string | string[] | undefined>, what: string) {
  const get = (k: string) => (h instanceof Headers ? h.get(k) : (h[k] as string | undefined)) ?? undefined;
  const csp = get('content-security-policy');
  assert.ok(csp, `${what}: no Content-Security-Policy`);
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([k, ...v]) => [k, v]),
  );
  for (const [k, v] of [
    ['default-src', "'self'"],
    ['script-src', "'self'"],
    ['object-src', "'none'"],
    ['frame-ancestors', "'none'"],
    ['base-uri', "'self'"],
  ]) {
    assert.deepEqual(directives.get(k), [v], `${what}: CSP ${k} is ${directives.get(k)?.join(' ')}`);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, `${what}: CSP allows ${csp}`);
  assert.equal(get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
  assert.ok(get('x-frame-options'), `${what}: X-Frame-Options`);
  assert.equal(get('referrer-policy'), 'no-referrer', `${what}: Referrer-Policy`);
  assert.equal(get('cross-origin-opener-policy'), 'same-origin', `${what}: Cross-Origin-Opener-Policy`);
  assert.equal(get('cross-origin-resource-policy'), 'same-origin', `${what}: Cross-Origin-Resource-Policy`);
  assert.equal(get('x-powered-by'), undefined, `${what}: X-Powered-By`);
}

test('security headers on every kind of response, the SSE stream and refused upgrades included', { timeout: 60_000 }, async (t) => {
  const s = await started(t, { RATE_LIMIT: 'on', BILL_LIMIT_PER_USER: '1' });
  const ann = await register(s.url, 'Ann');
  const bob = await register(s.url, 'Bob');
  const groupId = await groupWith(s.url, ann, [bob]);
  const bill = await billFor(s.url, ann, groupId, [bob]);
  const other = await call(s.url, 'POST', '/api/auth/login', { body: { email: ann.email, password: PASSWORD } });
  const cases: [string, Promise<{ status: number; headers: Headers }>][] = [
    ['200 JSON', call(s.url, 'GET', '/api/me', { token: ann.token })],
    ['201', call(s.url, 'POST', '/api/groups', { token: ann.token, body: { name: 'G' } })],
    ['204', call(s.url, 'POST', '/api/auth/logout', { token: other.body.token })],
    ['400', call(s.url, 'POST', '/api/groups', { token: ann.token, body: { name: '' } })],
    ['401', call(s.url, 'GET', '/api/me')],
    ['403', call(s.url, 'POST', `/api/bills/${bill.id}/pay`, { token: ann.token })],
    ['404', call(s.url, 'GET', '/api/nothing-here', { token: ann.token })],
    ['409', call(s.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { email: bob.email } })],
    ['413', call(s.url, 'POST', '/api/groups', { token: ann.token, body: { name: 'x'.repeat(70_000) } })],
    ['415', call(s.url, 'POST', '/api/groups', { token: ann.token, raw: '<g/>', headers: { 'content-type': 'application/xml' } })],
    ['426', call(s.url, 'GET', '/api/notifications/ws', { token: ann.token })],
    [
      '429',
      call(s.url, 'POST', `/api/groups/${groupId}/bills`, {
        token: ann.token,
        body: { description: 'x', amount: 100, split: { mode: 'equal', among: [ann.id, bob.id] } },
      }),
    ],
    ['/healthz', call(s.url, 'GET', '/healthz')],
    ['/metrics', call(s.url, 'GET', '/metrics')],
    ['/api/openapi.json', call(s.url, 'GET', '/api/openapi.json')],
  ];
  for (const [what, pending] of cases) {
    const res = await pending;
    if (/^\d{3}/.test(what)) assert.equal(res.status, Number(what.slice(0, 3)), what);
    assertSecurityHeaders(res.headers, what);
  }
  // The SSE stream: its headers are written by hand (the reply is hijacked), and must keep helmet's.
  const stream = await fetch(`${s.url}/api/notifications/stream`, {
    headers: { authorization: `Bearer ${bob.token}` },
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
  assertSecurityHeaders(stream.headers, 'SSE stream');
  await stream.body?.cancel();
  // A refused WebSocket upgrade is an ordinary response and carries them too.
  const refused = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
    const ws = openWs(s.url, 'nobody');
    ws.ws.once('unexpected-response', (_req, res) => resolve(res.headers));
    ws.opened.catch(() => undefined);
    setTimeout(() => reject(new Error('no answer')), 5000).unref();
  });
  assertSecurityHeaders(refused, 'refused WebSocket upgrade');
  // Even a request Node itself refuses (not HTTP) is not sniffable or frameable.
  const raw = await new Promise<string>((resolve) => {
    const socket = connect(Number(new URL(s.url).port), '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', () => undefined);
    socket.write('NOT HTTP\r\n\r\n');
  });
  assert.match(raw, /^HTTP\/1\.1 400 /);
  assert.match(raw, /\r\nx-content-type-options: nosniff\r\n/i);
  assert.match(raw, /\r\ncontent-security-policy: default-src 'none'; frame-ancestors 'none'\r\n/i);
  // No HSTS over plain http; it comes with an https PUBLIC_URL.
  assert.equal((await call(s.url, 'GET', '/healthz')).headers.get('strict-transport-security'), null);
  const https = await started(t, { PUBLIC_URL: 'https://chipin.example' });
  assert.match((await call(https.url, 'GET', '/healthz')).headers.get('strict-transport-security') ?? '', /max-age=\d+/);
});

test('the web app passes its CSP: no inline script, style or handler in its HTML', () => {
  // The source page, and the built one when the pretest step has built it.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const pages = ['web/index.html', 'dist/web/index.html'].filter((p) => existsSync(root + p));
  assert.ok(pages.includes('web/index.html'), 'web/index.html is missing');
  for (const page of pages) {
    const html = readFileSync(root + page, 'utf8');
    for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) assert.match(tag, /\ssrc=/, `${page}: inline script ${tag}`);
    for (const m of html.matchAll(/<script\b[^>]*\ssrc=[^>]*>([\s\S]*?)<\/script>/gi))
      assert.equal(m[1].trim(), '', `${page}: a script with a src also has inline code`);
    assert.doesNotMatch(html, /<style\b/i, `${page}: inline <style>`);
    assert.doesNotMatch(html, /\sstyle=/i, `${page}: a style attribute`);
    assert.doesNotMatch(html, /\son[a-z]+=/i, `${page}: an inline event handler`);
    assert.doesNotMatch(html, /javascript:/i, `${page}: a javascript: URL`);
  }
});

/** The session cookie's attributes, lower-cased. */
function cookieAttributes(setCookie: string[]): Map<string, string> {
  const raw = setCookie.find((c) => c.startsWith('chipin_session='));
  assert.ok(raw, `no session cookie in ${JSON.stringify(setCookie)}`);
  return new Map(
    raw
      .split(';')
      .slice(1)
      .map((a) => {
        const [k, v = ''] = a.trim().split('=');
        return [k.toLowerCase(), v.toLowerCase()] as const;
      }),
  );
}

test('session cookies are HttpOnly and SameSite=Lax on every route that sets or clears one; Secure under https', {
  timeout: 60_000,
}, async (t) => {
  const s = await started(t, {});
  const mail = email('cookie');
  const reg = await call(s.url, 'POST', '/api/auth/register', { body: { name: 'Cy', email: mail, password: PASSWORD } });
  const log = await call(s.url, 'POST', '/api/auth/login', { body: { email: mail, password: PASSWORD } });
  const out = await call(s.url, 'POST', '/api/auth/logout', { token: log.body.token });
  for (const [what, res] of [
    ['register', reg],
    ['login', log],
    ['logout', out],
  ] as const) {
    const a = cookieAttributes(res.headers.getSetCookie());
    assert.ok(a.has('httponly'), `${what}: HttpOnly`);
    assert.equal(a.get('samesite'), 'lax', `${what}: SameSite`);
    assert.equal(a.get('path'), '/', `${what}: Path`);
    assert.ok(!a.has('secure'), `${what}: Secure on plain http would lose the cookie`);
    assert.ok(!a.has('domain'), `${what}: a Domain attribute widens the cookie to subdomains`);
  }
  const https = await started(t, { PUBLIC_URL: 'https://chipin.example' });
  const secure = await call(https.url, 'POST', '/api/auth/register', {
    body: { name: 'Cy', email: email('secure'), password: PASSWORD },
    headers: { origin: 'https://chipin.example' },
  });
  assert.equal(secure.status, 201);
  const a = cookieAttributes(secure.headers.getSetCookie());
  assert.ok(a.has('secure') && a.has('httponly') && a.get('samesite') === 'lax');
});

test('/metrics is for a scraper on this machine: a forwarded request is refused, whatever X-Forwarded-For claims', async (t) => {
  const s = await started(t, { TRUST_PROXY: 'on' });
  assert.equal((await fetch(`${s.url}/metrics`)).status, 200);
  for (const headers of [
    { 'x-forwarded-for': '127.0.0.1' },
    { 'x-forwarded-for': '203.0.113.9' },
    { forwarded: 'for=127.0.0.1' },
  ] as Record<string, string>[]) {
    const res = await fetch(`${s.url}/metrics`, { headers });
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.doesNotMatch(await res.text(), /chipin_stream_connections/);
  }
});

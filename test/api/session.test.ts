// GET /api/session: who is signed in, or null, always 200 (the web app's first request on every load).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, register } from '../support/api.ts';
import { expectProblem, useServer } from './shared.ts';

const api = useServer();

test('signed out → 200 {user: null}; a bad token too; signed in → 200 {user}', async () => {
  const none = await call(api.url, 'GET', '/api/session');
  assert.equal(none.status, 200);
  assert.deepEqual(none.body, { user: null });
  assert.deepEqual((await call(api.url, 'GET', '/api/session', { token: 'not-a-session' })).body, { user: null });
  const ann = await register(api.url, 'Ann');
  const mine = await call(api.url, 'GET', '/api/session', { token: ann.token });
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body, { user: { id: ann.id, name: ann.name, email: ann.email } });
  // After logout the session is gone: null again, not an error.
  assert.equal((await call(api.url, 'POST', '/api/auth/logout', { token: ann.token })).status, 204);
  assert.deepEqual((await call(api.url, 'GET', '/api/session', { token: ann.token })).body, { user: null });
});

test('a cookie-authenticated read naming another Origin is still refused (403), not answered', async () => {
  const ann = await register(api.url, 'Ann');
  const res = await call(api.url, 'GET', '/api/session', {
    headers: { cookie: `chipin_session=${ann.token}`, origin: 'http://evil.example' },
  });
  expectProblem(res, 403, 'cross_origin');
});

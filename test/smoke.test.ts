import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from './support/server.ts';
import { call } from './support/api.ts';

test('healthz answers once the store is ready', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const res = await call(server.url, 'GET', '/healthz');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { ok: true });
});

// Issue 19 item 8: a cookie-authenticated stream request that carries an Origin must carry the service's
// own (403 cross_origin otherwise), as the WebSocket upgrade already did. Before the fix, SSE opens with
// Bob's cookie and `Origin: http://evil.example` were 200 and evicted Bob's real stream (`evicted`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startTestServer } from '../support/server.ts';
import { register } from '../support/api.ts';
import { openSse } from '../support/streams.ts';

/** Opens the SSE route with the given headers: the status and problem code, then lets go of the stream. */
function sseOpen(base: string, headers: Record<string, string>): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/notifications/stream`, { headers, timeout: 5000 }, (res) => {
      const status = res.statusCode ?? 0;
      if (status === 200) {
        res.destroy();
        resolve({ status, code: undefined });
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status, code: JSON.parse(text).code }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

test('SSE with a session cookie: a foreign Origin is refused (403 cross_origin) and evicts nothing; no Origin or our own is served', {
  timeout: 60_000,
}, async (t) => {
  const server = await startTestServer({ MAX_STREAMS_PER_USER: '2' });
  t.after(() => server.close());
  const bob = await register(server.url, 'Bob');
  const real = openSse(server.url, bob.token);
  t.after(() => real.close());
  await real.opened;

  const cookie = `chipin_session=${bob.token}`;
  for (const origin of ['http://evil.example', 'null', server.url.replace('127.0.0.1', 'localhost')]) {
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await sseOpen(server.url, { cookie, origin }), { status: 403, code: 'cross_origin' }, `Origin: ${origin}`);
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(
    real.received.filter((r) => r.event === 'evicted'),
    [],
    'the real stream was not evicted',
  );
  assert.equal(server.hub.stats().subscribers, 1);

  // Same-origin EventSource sends no Origin; a page of ours may send it. A Bearer token is never sent by
  // a browser on its own, so a foreign Origin with one is the caller's own business.
  assert.equal((await sseOpen(server.url, { cookie })).status, 200);
  assert.equal((await sseOpen(server.url, { cookie, origin: server.url })).status, 200);
  assert.equal((await sseOpen(server.url, { authorization: `Bearer ${bob.token}`, origin: 'http://evil.example' })).status, 200);
});

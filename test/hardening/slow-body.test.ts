// Issue 19 item 5: a request whose head or body trickles in holds its socket only for a bounded time
// (REQUEST_TIMEOUT_MS for the whole request, HEADERS_TIMEOUT_MS for the head), answered 408 and closed;
// a live stream (SSE, WebSocket), whose request ended long ago, stays open past both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { groupWith, register } from '../support/api.ts';
import { openSse, openWs } from '../support/streams.ts';

const TIMEOUT_MS = 1000;
// Node checks the open requests every min(1 s, HEADERS_TIMEOUT_MS / 2); the rest is room for a loaded machine.
const MARGIN_MS = 2500;
const TRICKLE_EVERY_MS = 200;

async function started(t: import('node:test').TestContext, env: Record<string, string> = {}) {
  const s = await startTestServer({ REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), HEADERS_TIMEOUT_MS: String(TIMEOUT_MS), ...env });
  t.after(() => s.close());
  return s;
}

type Trickled = { closedAfterMs: number; answer: string; bytesSent: number };

/**
 * Sends `head` at once, then one byte of `body` every TRICKLE_EVERY_MS, never finishing; resolves when the
 * server closes the socket, or after `giveUpMs` (then closedAfterMs is Infinity).
 */
function trickle(s: TestServer, head: string, body: string, giveUpMs: number): Promise<Trickled> {
  const { port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), '127.0.0.1');
    const started = Date.now();
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedAfterMs: number) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs, answer, bytesSent: sent });
    };
    const giveUp = setTimeout(() => finish(Infinity), giveUpMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('close', () => finish(Date.now() - started));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= body.length || socket.destroyed) return clearInterval(timer);
        socket.write(body[sent++]!);
      }, TRICKLE_EVERY_MS);
    });
  });
}

function assertCut(t: import('node:test').TestContext, r: Trickled, what: string) {
  t.diagnostic(`${what}: closed after ${r.closedAfterMs} ms, ${r.bytesSent} bytes sent`);
  assert.ok(r.closedAfterMs <= TIMEOUT_MS + MARGIN_MS, `${what}: still open after ${r.closedAfterMs} ms (${r.bytesSent} bytes sent)`);
  assert.match(r.answer, /^HTTP\/1\.1 408 /, `${what}: answered ${JSON.stringify(r.answer.slice(0, 80))}`);
  assert.match(r.answer, /application\/problem\+json/);
  assert.match(r.answer, /"code":"request_timeout"/);
}

// A body that would take 100 × 200 ms = 20 s to arrive, far past the timeout.
const LOGIN_BODY = JSON.stringify({ email: 'slow@example.test', password: 'x'.repeat(50) }).padEnd(100, ' ');

test('a login body trickling in one byte at a time is cut with 408 within the request timeout', { timeout: 30_000 }, async (t) => {
  const s = await started(t);
  const head = `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${LOGIN_BODY.length}\r\n\r\n`;
  const r = await trickle(s, head, LOGIN_BODY, 10_000);
  assertCut(t, r, 'Content-Length body');
  assert.ok(r.bytesSent < LOGIN_BODY.length, 'the body never completed');
});

test('a chunked registration body trickling in is cut with 408 within the request timeout', { timeout: 30_000 }, async (t) => {
  const s = await started(t);
  const head = `POST /api/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
  // One-byte chunks: "1\r\n{\r\n", "1\r\n\"\r\n", … each written a byte at a time.
  const json = JSON.stringify({ name: 'Slow', email: 'slow.chunked@example.test', password: 'correct horse battery' });
  const body = [...json].map((c) => `1\r\n${c}\r\n`).join('');
  const r = await trickle(s, head, body, 10_000);
  assertCut(t, r, 'chunked body');
});

test('request headers trickling in are cut with 408 within the headers timeout', { timeout: 30_000 }, async (t) => {
  const s = await started(t, { HEADERS_TIMEOUT_MS: '500' });
  const head = `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
  const r = await trickle(s, head, `X-Slow: ${'a'.repeat(100)}`, 10_000);
  assertCut(t, r, 'slow headers');
});

test('a request that arrives in time is served; so is the next one on the same keep-alive socket', { timeout: 30_000 }, async (t) => {
  const s = await started(t);
  const ann = await register(s.url, 'Ann');
  const res = await fetch(`${s.url}/api/me`, { headers: { authorization: `Bearer ${ann.token}` } });
  assert.equal(res.status, 200);
  await res.text();
  // Idle between requests for longer than the request timeout: the next request starts its own clock.
  await new Promise((r) => setTimeout(r, TIMEOUT_MS + 500));
  const again = await fetch(`${s.url}/api/me`, { headers: { authorization: `Bearer ${ann.token}` } });
  assert.equal(again.status, 200);
});

test('SSE and WebSocket streams stay open and keep delivering well past the request timeout', { timeout: 30_000 }, async (t) => {
  const s = await started(t);
  const ann = await register(s.url, 'Ann');
  const bob = await register(s.url, 'Bob');
  const sse = openSse(s.url, bob.token);
  const ws = openWs(s.url, bob.token);
  t.after(() => [sse, ws].forEach((x) => x.close()));
  await Promise.all([sse.opened, ws.opened]);
  // Three request timeouts (and more than two checking rounds) pass with the streams idle.
  await new Promise((r) => setTimeout(r, 3 * TIMEOUT_MS + 500));
  assert.equal(s.hub.stats().subscribers, 2, 'both streams are still subscribed');
  await groupWith(s.url, ann, [bob]);
  const [fromSse] = await sse.waitFor(1);
  const [fromWs] = await ws.waitFor(1);
  assert.equal(fromSse!.event, 'group.member_added');
  assert.equal(fromWs!.event, 'group.member_added');
  assert.equal(ws.ws.readyState, ws.ws.OPEN);
});

test('the timeouts have defaults and bounds; the headers timeout may not exceed the request timeout', () => {
  const d = parseConfig({});
  assert.equal(d.requestTimeoutMs, 30_000);
  assert.equal(d.headersTimeoutMs, 10_000);
  const set = parseConfig({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '2000' });
  assert.deepEqual([set.requestTimeoutMs, set.headersTimeoutMs], [5000, 2000]);
  for (const env of [
    { REQUEST_TIMEOUT_MS: '0' },
    { HEADERS_TIMEOUT_MS: 'soon' },
    { REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '6000' },
  ]) {
    assert.throws(
      () => parseConfig(env),
      (e: unknown) => e instanceof ConfigError && /(REQUEST|HEADERS)_TIMEOUT_MS/.test(e.message),
      JSON.stringify(env),
    );
  }
});

// The server is stopped with SIGTERM (it tells clients to come back in a few seconds) and started again
// on the same port and SQLite file while Bob's page is open. A bill Alice creates while Bob's page still
// says "reconnecting" appears on his page exactly once: the stream resumes from the last id it had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { billFor, groupWith, register } from '../support/api.ts';
import { freePort } from '../support/free-port.ts';
import { WEB_ROOT, assertBuilt, billCard, connection, eventually, holdStreams, newPerson, openBrowser, signInWithToken, toast, unread, waitConnection, waitLive, TEST_TIMEOUT_MS } from './browser.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

async function startChild(env: Record<string, string>, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  await eventually(async () => {
    if (child.exitCode !== null) assert.fail(`the server exited with ${child.exitCode}`);
    return fetch(`${url}/healthz`).then((r) => r.ok, () => false);
  }, 'the server to answer /healthz');
  return child;
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

test('after a server restart, a bill created while the page reconnects appears exactly once', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'chipin-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'chipin.db')}`, WEB_ROOT, LOG_LEVEL: 'warn', RATE_LIMIT: 'off' };
  let server = await startChild(env, url);
  t.after(() => stop(server));
  const browser = await openBrowser(t);

  const alice = await register(url, 'Alice');
  const bob = await register(url, 'Bob');
  const groupId = await groupWith(url, alice, [bob]);
  await billFor(url, alice, groupId, [bob], 3000, 'Dinner');
  const context = await newPerson(browser);
  await signInWithToken(context, url, bob);
  const page = await context.newPage();
  await page.goto(`${url}/groups/${groupId}`);
  await billCard(page, 'Dinner').waitFor();
  await waitLive(page);
  await page.evaluate(() => ((window as unknown as { untouched: boolean }).untouched = true));
  const unreadBefore = await unread(page);

  const stoppedAt = Date.now();
  await stop(server);
  t.diagnostic(`SIGTERM → exit: ${Date.now() - stoppedAt} ms`);
  await waitConnection(page, 'reconnecting');

  // Bob's next stream request is held at the browser until Alice's bill exists, so the page is provably
  // still reconnecting when the bill is created; the bill can reach it only through resume.
  const held = await holdStreams(context);
  server = await startChild(env, url);
  assert.equal(await connection(page), 'reconnecting');
  await billFor(url, alice, groupId, [bob], 4200, 'Taxi');
  assert.equal(await connection(page), 'reconnecting', 'the bill was created while the page was reconnecting');
  await held.first;
  await held.release();

  await waitLive(page);
  await toast(page, 'Alice added Taxi — you owe $21.00').waitFor();
  await billCard(page, 'Taxi').waitFor();
  // Nothing arrives twice, even after everything has settled.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await toast(page, 'Taxi').count(), 1, 'one toast');
  assert.equal(await billCard(page, 'Taxi').count(), 1, 'one bill');
  assert.equal(await unread(page), unreadBefore + 1, 'the bell counts it once');
  assert.equal(await page.evaluate(() => (window as unknown as { untouched?: boolean }).untouched), true, 'the page was not reloaded');
});

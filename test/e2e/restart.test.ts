// The server is stopped with SIGTERM (it tells clients to come back in a few seconds) and started again
// on the same port and SQLite file while Bob's page is open. A bill Alice creates while Bob's page still
// says "reconnecting" appears on his page exactly once: the stream resumes from the last id it had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { billFor, groupWith, register } from '../support/api.ts';
import { startChildServer } from '../support/child-server.ts';
import {
  WEB_ROOT,
  assertBuilt,
  billCard,
  connection,
  holdStreams,
  newPerson,
  openBrowser,
  signInWithToken,
  toast,
  unread,
  waitConnection,
  waitLive,
  TEST_TIMEOUT_MS,
} from './browser.ts';

test('after a server restart, a bill created while the page reconnects appears exactly once', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  assertBuilt();
  const server = await startChildServer({ WEB_ROOT });
  t.after(() => server.close());
  const url = server.url;
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
  const exit = await server.stop();
  t.diagnostic(`SIGTERM → exit ${exit}: ${Date.now() - stoppedAt} ms`);
  await waitConnection(page, 'reconnecting');

  // Bob's next stream request is held at the browser until Alice's bill exists, so the page is provably
  // still reconnecting when the bill is created; the bill can reach it only through resume.
  const held = await holdStreams(context);
  await server.start();
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

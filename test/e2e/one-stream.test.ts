// One stream per browser, not per tab: Bob's five tabs elect a leader (Web Locks), which alone holds a
// stream and shares what arrives over BroadcastChannel. Every tab shows the notification; the server
// holds one stream for Bob. When the leader tab closes, another takes over and resumes from the last id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { billFor } from '../support/api.ts';
import {
  billCard,
  browserTest,
  eventually,
  holdStreams,
  streamConnections,
  streamRole,
  toast,
  unread,
  waitLive,
  TEST_TIMEOUT_MS,
} from './browser.ts';

test('five tabs share one stream, and another tab takes over when the leader closes', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const {
    server,
    people: [alice, bob],
    groupId,
    context,
  } = await browserTest(t, { people: ['Alice', 'Bob'], signedIn: 'Bob' });

  const tabs: Page[] = [];
  for (let i = 0; i < 5; i++) {
    const page = await context.newPage();
    await page.goto(`${server.url}/groups/${groupId}`);
    await page.getByRole('heading', { level: 1, name: 'Trip' }).waitFor();
    tabs.push(page);
  }
  await Promise.all(tabs.map(waitLive));
  const roles = await Promise.all(tabs.map(streamRole));
  assert.deepEqual([...roles].sort(), ['follower', 'follower', 'follower', 'follower', 'leader']);
  assert.deepEqual(
    server.hub.stats(),
    { subscribers: 1, users: 1, timer: true, hints: { queued: 0, running: false, timer: false } },
    'the server holds one stream for Bob',
  );
  assert.deepEqual(await streamConnections(server.url), { sse: 1, ws: 0 });

  const before = await Promise.all(tabs.map(unread));
  await billFor(server.url, alice, groupId, [bob], 3000, 'Dinner');
  for (const [i, tab] of tabs.entries()) {
    await toast(tab, 'Alice added Dinner — you owe $15.00').waitFor();
    await billCard(tab, 'Dinner').waitFor();
    assert.equal(await unread(tab), before[i] + 1, `tab ${i + 1}'s bell goes up by one`);
  }
  assert.equal(server.hub.stats().subscribers, 1);

  // The leader closes. Its successor's stream request is held until Alice has added another bill, so
  // that bill can only reach the tabs if the new leader resumes from the last id it has.
  const held = await holdStreams(context);
  const leader = tabs[roles.indexOf('leader')];
  const rest = tabs.filter((p) => p !== leader);
  await leader.close();
  await held.first;
  await eventually(() => server.hub.stats().subscribers === 0, "the old leader's stream to close");
  await billFor(server.url, alice, groupId, [bob], 5000, 'Taxi');
  await held.release();

  for (const tab of rest) {
    await toast(tab, 'Alice added Taxi — you owe $25.00').waitFor();
    await billCard(tab, 'Taxi').waitFor();
  }
  const newRoles = await Promise.all(rest.map(streamRole));
  assert.deepEqual([...newRoles].sort(), ['follower', 'follower', 'follower', 'leader']);
  await eventually(() => server.hub.stats().subscribers === 1, 'one stream again');
  // Exactly once in every tab: a replayed notification is not shown twice.
  await new Promise((r) => setTimeout(r, 500));
  for (const tab of rest) {
    assert.equal(await toast(tab, 'Taxi').count(), 1);
    assert.equal(await billCard(tab, 'Taxi').count(), 1);
  }
  assert.equal(server.hub.stats().subscribers, 1);
});

test('?transport=ws switches the shared stream to WebSocket', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const {
    server,
    people: [alice, bob],
    groupId,
    context,
  } = await browserTest(t, { people: ['Alice', 'Bob'], signedIn: 'Bob' });
  const first = await context.newPage();
  await first.goto(`${server.url}/groups/${groupId}?transport=ws`);
  await waitLive(first);
  const second = await context.newPage();
  await second.goto(`${server.url}/groups/${groupId}`);
  await waitLive(second);
  for (const tab of [first, second]) assert.equal(await tab.locator('html').getAttribute('data-transport'), 'ws');
  await eventually(async () => (await streamConnections(server.url)).ws === 1, 'one WebSocket stream');
  assert.deepEqual(await streamConnections(server.url), { sse: 0, ws: 1 });

  await billFor(server.url, alice, groupId, [bob], 1234, 'Lunch');
  for (const tab of [first, second]) await toast(tab, 'Alice added Lunch — you owe $6.17').waitFor();

  // Back to SSE from the account menu; the setting is remembered for this browser.
  await second.getByRole('button', { name: /^Account/ }).click();
  await second.getByLabel('Live updates', { exact: true }).selectOption('sse');
  await eventually(async () => (await streamConnections(server.url)).sse === 1, 'the stream to reopen over SSE');
  await waitLive(first);
  assert.deepEqual(await streamConnections(server.url), { sse: 1, ws: 0 });
});

test('without navigator.locks (plain http from another host) each tab opens its own stream', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const {
    server,
    people: [alice, bob],
    groupId,
    context,
  } = await browserTest(t, { people: ['Alice', 'Bob'], signedIn: 'Bob' });
  // What an insecure context looks like to the page: the Web Locks API is not exposed.
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
  const tabs = [await context.newPage(), await context.newPage()];
  for (const tab of tabs) {
    await tab.goto(`${server.url}/groups/${groupId}`);
    await waitLive(tab);
    assert.equal(await streamRole(tab), 'solo');
  }
  assert.equal(server.hub.stats().subscribers, 2);
  await billFor(server.url, alice, groupId, [bob], 2000, 'Cinema');
  for (const tab of tabs) await toast(tab, 'Alice added Cinema — you owe $10.00').waitFor();

  // Switching transport replaces a tab's stream; it never adds a second one.
  await tabs[0].goto(`${server.url}/groups/${groupId}?transport=ws`);
  await waitLive(tabs[0]);
  await eventually(async () => (await streamConnections(server.url)).ws === 1, 'the WebSocket stream');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await streamConnections(server.url), { sse: 1, ws: 1 });
});

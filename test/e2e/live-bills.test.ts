// Issue 4, "Done means": Alice signs up, creates a group, adds Bob (and Carol), creates a bill split
// equally; Bob's open page shows the toast and the bill without a reload and his bell goes up by one;
// Carol, in the group but not in the bill, sees it through group.updated. Bob pays; Alice's page shows
// the payment toast and her balance changes. The README's pictures of it come from scripts/screenshot-group-page.ts, not from here (a test run leaves the tree as it was).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  billCard,
  browserTest,
  expandBill,
  newPerson,
  openBillForm,
  openGroup,
  signUp,
  toast,
  unread,
  waitLive,
  LIVE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  eventually,
} from './browser.ts';

test("a bill and its payment show up live on the other people's open pages", { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { server, browser } = await browserTest(t);
  const [alice, bob, carol] = await Promise.all([newPerson(browser), newPerson(browser), newPerson(browser)]);
  const [pa, pb, pc] = await Promise.all([alice.newPage(), bob.newPage(), carol.newPage()]);

  const bobUser = await signUp(pb, server.url, 'Bob');
  const carolUser = await signUp(pc, server.url, 'Carol');
  await signUp(pa, server.url, 'Alice');

  // The session is the cookie: it survives a reload.
  await pa.reload();
  await pa.getByRole('heading', { level: 1, name: 'Your groups' }).waitFor();

  await pa.getByLabel('Name').fill('Trip');
  await pa.getByLabel('Currency').selectOption('USD');
  await pa.getByRole('button', { name: 'Create group' }).click();
  await pa.getByRole('heading', { level: 1, name: 'Trip' }).waitFor();
  for (const person of [bobUser, carolUser]) {
    await pa.getByLabel('Add a member by email').fill(person.email);
    await pa.getByRole('button', { name: 'Add member' }).click();
    await pa.getByRole('status').getByText(`Added ${person.name}.`).waitFor();
  }

  // Being added arrives live too: a toast, and the group appears in the list without a reload.
  await toast(pb, 'Alice added you to Trip').waitFor();
  await openGroup(pb, 'Trip');
  await toast(pc, 'Alice added you to Trip').waitFor();
  await openGroup(pc, 'Trip');
  await Promise.all([waitLive(pa), waitLive(pb), waitLive(pc)]);
  // Marks that vanish if a page reloads.
  await Promise.all([pb, pc, pa].map((p) => p.evaluate(() => ((window as unknown as { untouched: boolean }).untouched = true))));
  const bobUnreadBefore = await unread(pb);

  // Alice splits $66.66 equally between herself and Bob; Carol is left out of this one.
  await openBillForm(pa);
  await pa.getByLabel('Description').fill('Dinner');
  await pa.getByLabel('Amount (USD)').fill('66.66');
  await pa.getByRole('checkbox', { name: 'Carol' }).uncheck();
  const preview = (name: string) => pa.locator(`output[aria-label="${name} owes"]`);
  assert.equal(await preview('Alice (you)').textContent(), '$33.33');
  assert.equal(await preview('Bob').textContent(), '$33.33');
  assert.equal(await preview('Carol').textContent(), '—');
  const sentAt = Date.now();
  await pa.getByRole('button', { name: 'Add bill' }).click();

  const bobToast = toast(pb, 'Alice added Dinner — you owe $33.33');
  await bobToast.waitFor({ timeout: LIVE_TIMEOUT_MS });
  const latency = Number(await bobToast.getAttribute('data-shown-at')) - sentAt;
  t.diagnostic(`toast latency (click on "Add bill" in Alice's page → toast in Bob's): ${latency} ms`);
  await billCard(pb, 'Dinner').waitFor();
  assert.equal(await unread(pb), bobUnreadBefore + 1, "Bob's bell goes up by one");

  // Carol owes nothing, so she gets no notification, but her open page refreshes on group.updated.
  await billCard(pc, 'Dinner').waitFor();
  assert.equal(await toast(pc, 'Dinner').count(), 0);

  // The toast's link is the bill's page, one click away (with its group, the way back should the bill be deleted).
  const link = bobToast.getByRole('link', { name: 'View bill' });
  assert.match((await link.getAttribute('href')) ?? '', /^\/bills\/[A-Za-z0-9_-]+\?group=[A-Za-z0-9_-]+$/);

  // Bob pays his part; Alice sees the payment and her balance change, without a reload.
  const aliceBalance = pa.locator('.balance-list li', { hasText: 'Alice (you)' });
  await aliceBalance.getByText('is owed $33.33').waitFor();
  // Each page leads with its reader's position.
  await pa.getByRole('heading', { level: 2, name: 'You are owed $33.33' }).waitFor();
  await pb.getByRole('heading', { level: 2, name: 'You owe Alice $33.33' }).waitFor();
  await pc.getByRole('heading', { level: 2, name: 'You are settled up' }).waitFor();
  await billCard(pb, 'Dinner')
    .getByRole('button', { name: /^Mark as paid\W+\$33\.33 for Dinner$/ })
    .click();
  await toast(pa, 'Bob paid $33.33 for Dinner').waitFor();
  await aliceBalance.getByText('settled up').waitFor();
  await pa.getByRole('heading', { level: 2, name: 'You are settled up' }).waitFor();
  await expandBill(pa, 'Dinner');
  await billCard(pa, 'Dinner')
    .locator('.share', { hasText: 'Bob' })
    .getByText(/^paid /)
    .waitFor();
  await pa.locator('.settlements-empty').waitFor();

  for (const p of [pa, pb, pc])
    assert.equal(await p.evaluate(() => (window as unknown as { untouched?: boolean }).untouched), true, 'no page reloaded');

  // The bill's own page, from Bob's toast list in the bell (the toast may have timed out by now).
  await pb.getByRole('button', { name: /^Notifications/ }).click();
  // Marking read is a request: the count drops once it is answered.
  await eventually(async () => (await unread(pb)) === 0, 'opening the list to mark the notifications read');
  await pb.locator('#notification-list').getByRole('link', { name: 'View bill' }).first().click();
  await pb.getByRole('heading', { level: 1, name: 'Dinner' }).waitFor();
  await pb.getByText(/^paid /).waitFor();
});

// Issue 15 in Chromium, as two people with their pages open: Alice edits a bill (and a second tab of hers
// meets the conflict), reminds Bob, and Bob records a payment from the suggested settlement that Alice
// confirms. Each step shows up live on the other's page: toasts, and the group page refreshing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../support/api.ts';
import {
  billCard,
  browserTest,
  expandBill,
  newPerson,
  openGroup,
  signInWithToken,
  toast,
  waitLive,
  TEST_TIMEOUT_MS,
  LIVE_TIMEOUT_MS,
} from './browser.ts';

test('edit, remind, and record-and-confirm a payment, live between two people', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { server, browser, people, groupId, context } = await browserTest(t, { people: ['Alice', 'Bob'], signedIn: 'Alice' });
  const [alice, bob] = people;
  const bobContext = await newPerson(browser);
  await signInWithToken(bobContext, server.url, bob);
  const created = await call(server.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: alice.token,
    body: { description: 'Dinner', amount: 6000, split: { mode: 'equal', among: [alice.id, bob.id] } },
  });
  assert.equal(created.status, 201);
  const billId = created.body.bill.id;

  const [pa, pb] = await Promise.all([context.newPage(), bobContext.newPage()]);
  await Promise.all([pa.goto(`${server.url}/groups/${groupId}`), pb.goto(`${server.url}/groups/${groupId}`)]);
  await Promise.all([waitLive(pa), waitLive(pb)]);
  await billCard(pb, 'Dinner').waitFor();

  // Remind (with the bill's parts): Alice nudges everyone who owes; Bob gets the toast.
  await billCard(pa, 'Dinner').getByText('You are owed $30.00').waitFor();
  await expandBill(pa, 'Dinner');
  await billCard(pa, 'Dinner')
    .getByRole('button', { name: /^Remind/ })
    .click();
  await pa.getByRole('status').getByText('Reminded Bob').waitFor();
  await toast(pb, 'Alice reminds you to pay $30.00 for Dinner').waitFor({ timeout: LIVE_TIMEOUT_MS });

  // Edit: on the bill's page, with a second tab of Alice's holding the old version open.
  const stale = await context.newPage();
  await Promise.all([pa.goto(`${server.url}/bills/${billId}`), stale.goto(`${server.url}/bills/${billId}`)]);
  await stale.getByRole('button', { name: 'Edit bill' }).click();
  await pa.getByRole('button', { name: 'Edit bill' }).click();
  await pa.getByLabel('Description').fill('Dinner at Luigi');
  await pa.getByLabel(/^Amount \(USD\)/).fill('80.00');
  await pa.getByRole('button', { name: 'Save changes' }).click();
  await pa.getByRole('heading', { level: 1, name: 'Dinner at Luigi' }).waitFor();
  await pa.locator('.revisions li[data-version="2"]').waitFor();
  await toast(pb, 'Alice edited Dinner at Luigi (was Dinner) — you owe $40.00, was $30.00').waitFor({ timeout: LIVE_TIMEOUT_MS });
  await billCard(pb, 'Dinner at Luigi').getByText('$80.00').first().waitFor();

  // The second tab saves over version 1: refused, with the conflict message and the bill as it is now.
  await stale.getByLabel('Notes').fill('paid with the card');
  await stale.getByRole('button', { name: 'Save changes' }).click();
  await stale.getByRole('alert').getByText('Someone else changed this bill meanwhile').waitFor();
  assert.equal(await stale.getByLabel('Description').inputValue(), 'Dinner at Luigi');
  await stale.getByLabel('Notes').fill('paid with the card');
  await stale.getByRole('button', { name: 'Save changes' }).click();
  await stale.locator('.bill-notes', { hasText: 'paid with the card' }).waitFor();

  // The groups list says where Bob stands in each group.
  await pb.goto(`${server.url}/`);
  await pb
    .getByRole('link', { name: /^Trip\b/ })
    .getByText('You owe $40.00')
    .waitFor();
  await openGroup(pb, 'Trip');
  await waitLive(pb);

  // Record and confirm: Bob's position leads his page, and its button fills in the payment form with the
  // settlement; he records it; Alice confirms it; the balances clear.
  await pa.goto(`${server.url}/groups/${groupId}`);
  await waitLive(pa);
  await pb.getByRole('heading', { level: 2, name: 'You owe Alice $40.00' }).waitFor();
  await pb.getByRole('button', { name: /^Pay Alice \$40\.00/ }).click();
  const sum = pb.getByLabel('Sum paid (USD)');
  await pb.waitForFunction(() => document.activeElement?.getAttribute('name') === 'payment-amount');
  assert.equal(await sum.inputValue(), '40.00');
  assert.equal(await pb.getByLabel('Paid to').inputValue(), alice.id);
  await pb.getByRole('button', { name: 'Record a payment' }).click();
  await toast(pa, 'Bob says they paid you $40.00').waitFor({ timeout: LIVE_TIMEOUT_MS });
  const pending = pa.locator('.payment[data-status="pending"]', { hasText: '$40.00' });
  await pending.waitFor();
  // Pending payments do not count: Alice is still owed.
  await pa.locator('.balance-list li', { hasText: 'Alice (you)' }).getByText('is owed $40.00').waitFor();
  await pb.locator('.payment[data-status="pending"]').getByText('waiting for confirmation').waitFor();
  await pb.locator('.position').getByText('Your payment of $40.00 is waiting for Alice to confirm it.').waitFor();
  assert.equal(await pb.getByRole('button', { name: /^Pay Alice/ }).count(), 0, 'not offered twice');
  assert.equal(await pb.locator('.payment').getByRole('button', { name: 'Confirm' }).count(), 0, 'only the payee confirms');
  // Alice confirms from her position at the top of the page (the payments list offers the same).
  await pa.locator('.position').getByText('Bob says they paid you $40.00.').waitFor();
  await pa.getByRole('button', { name: 'Confirm $40.00 from Bob' }).click();
  await toast(pb, 'Alice confirmed your payment of $40.00').waitFor({ timeout: LIVE_TIMEOUT_MS });
  await toast(pa, 'Bob paid $40.00 for Dinner at Luigi (with a confirmed payment)').waitFor({ timeout: LIVE_TIMEOUT_MS });
  await pb.locator('.payment[data-status="confirmed"]').waitFor();
  await pb.locator('.balance-list li', { hasText: 'Bob (you)' }).getByText('settled up').waitFor();
  await pa.locator('.settlements-empty').waitFor();
  await pb.getByRole('heading', { level: 2, name: 'You are settled up' }).waitFor();
  await expandBill(pb, 'Dinner at Luigi');
  await billCard(pb, 'Dinner at Luigi')
    .locator('.share', { hasText: 'Bob' })
    .getByText(/^paid /)
    .waitFor();
});

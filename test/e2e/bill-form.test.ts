// The bill form in all four split modes with each member's part previewed as it is typed, decimals read
// without floating point, refusals shown next to the field (the form's own and the API's), deleting an
// own unpaid bill. The form opens in a dialog from "Add a bill" and closes once the bill is added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { call } from '../support/api.ts';
import { PHONE, billCard, browserTest, expandBill, newPerson, openBillForm, signUp, toast, waitLive, TEST_TIMEOUT_MS } from './browser.ts';

const part = (page: Page, name: string) => page.locator(`output[aria-label="${name} owes"]`);
const parts = (page: Page) => Promise.all(['Alice (you)', 'Bob', 'Carol'].map((n) => part(page, n).textContent()));

test('bills in every split mode, checked as the API checks them', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const {
    server,
    people: [alice, bob, carol],
    groupId,
    context,
  } = await browserTest(t, { people: ['Alice', 'Bob', 'Carol'], currency: 'EUR', signedIn: 'Alice' });
  const page = await context.newPage();
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/bills')) posts.push(r.postData() ?? '');
  });
  await page.goto(`${server.url}/groups/${groupId}`);
  await page.getByRole('heading', { level: 1, name: 'Trip' }).waitFor();
  await waitLive(page);
  const amount = page.getByLabel('Amount (EUR)');
  const submit = page.getByRole('button', { name: 'Add bill' });

  // Equal: the leftover cent goes to the first member (the domain's documented tie rule).
  await openBillForm(page);
  await page.getByLabel('Description').fill('Groceries');
  await amount.fill('100');
  assert.deepEqual(await parts(page), ['€33.34', '€33.33', '€33.33']);

  // The form refuses what the API would refuse, before sending anything.
  await amount.fill('12.345');
  await submit.click();
  assert.equal(await page.locator('#bill-amount-error').textContent(), 'Enter a number like 12.34, with at most 2 decimals.');
  assert.equal(await amount.getAttribute('aria-invalid'), 'true');
  assert.equal(posts.length, 0);

  // Exact: typed decimals, with what is left to assign.
  await amount.fill('100.00');
  await page.getByLabel('Exact amounts').check();
  await page.getByLabel('Bob, amount').fill('30');
  await page.getByLabel('Carol, amount').fill('20.5');
  assert.equal(await page.locator('#bill-split-error').textContent(), '€49.50 is not assigned to anyone yet.');
  await page.getByLabel('Alice (you), amount').fill('49.50');
  assert.deepEqual(await parts(page), ['€49.50', '€30.00', '€20.50']);
  assert.equal(await page.locator('#bill-split-error').count(), 0);

  // Percent: the domain's own message when they do not add up to 100.
  await page.getByLabel('Percentages').check();
  await page.getByLabel('Alice (you), percent').fill('33.33');
  await page.getByLabel('Bob, percent').fill('33.33');
  await page.getByLabel('Carol, percent').fill('30');
  await submit.click();
  assert.equal(await page.locator('#bill-split-error').textContent(), 'Percents add up to 96.66, not 100.');
  assert.equal(posts.length, 0);
  await page.getByLabel('Carol, percent').fill('33.34');
  assert.deepEqual(await parts(page), ['€33.33', '€33.33', '€33.34']);

  // Shares: one each by default.
  await page.getByLabel('Shares').check();
  assert.deepEqual(await parts(page), ['€33.34', '€33.33', '€33.33']);
  await page.getByLabel('Alice (you), shares').fill('2');
  assert.deepEqual(await parts(page), ['€50.00', '€25.00', '€25.00']);
  await submit.click();
  await page.getByRole('status').getByText('Added Groceries.').waitFor();
  // The dialog closed, and focus is back on the button that opened it.
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.activeElement?.textContent === 'Add a bill');
  assert.deepEqual(JSON.parse(posts[0]), {
    description: 'Groceries',
    amount: 10000,
    split: { mode: 'shares', shares: { [alice.id]: 2, [bob.id]: 1, [carol.id]: 1 } },
  });
  await billCard(page, 'Groceries').waitFor();

  // A percent bill goes over the wire as the API's percent numbers, the amount as integer cents.
  await openBillForm(page);
  await page.getByLabel('Description').fill('Rent');
  await amount.fill('1000.01');
  await page.getByLabel('Percentages').check();
  await page.getByLabel('Alice (you), percent').fill('33.33');
  await page.getByLabel('Bob, percent').fill('33.33');
  await page.getByLabel('Carol, percent').fill('33.34');
  assert.deepEqual(await parts(page), ['€333.30', '€333.30', '€333.41']);
  await submit.click();
  await billCard(page, 'Rent').waitFor();
  assert.deepEqual(JSON.parse(posts[1]), {
    description: 'Rent',
    amount: 100001,
    split: { mode: 'percent', percents: { [alice.id]: 33.33, [bob.id]: 33.33, [carol.id]: 33.34 } },
  });

  // What only the API can refuse shows next to the field, in words for people (never the validator's).
  // (The request is altered on its way out to provoke a refusal the form itself would have prevented.)
  await page.route('**/api/groups/*/bills', (route) =>
    route.continue({ postData: JSON.stringify({ ...route.request().postDataJSON(), amount: 0 }) }),
  );
  await openBillForm(page);
  await page.getByLabel('Description').fill('Coffee');
  await amount.fill('9');
  await page.getByLabel('Equally').check();
  await submit.click();
  await page.locator('#bill-amount-error').getByText('Enter an amount more than zero, up to €10,000,000,000.00.').waitFor();
  await page.unrouteAll();
  await submit.click();
  await billCard(page, 'Coffee').waitFor();
  const bills = page.locator('.bill-list article h3');
  assert.deepEqual(await bills.allTextContents(), ['Coffee', 'Rent', 'Groceries'], 'newest first');

  // Bob pays his part of the groceries: Alice sees it live, and the bill can no longer be deleted.
  await expandBill(page, 'Groceries');
  const groceries = (await call(server.url, 'GET', `/api/groups/${groupId}/bills`, { token: alice.token })).body.bills.find(
    (b: { description: string }) => b.description === 'Groceries',
  );
  assert.equal((await call(server.url, 'POST', `/api/bills/${groceries.id}/pay`, { token: bob.token })).status, 200);
  await toast(page, 'Bob paid €25.00 for Groceries').waitFor();
  await billCard(page, 'Groceries')
    .locator('.share', { hasText: 'Bob' })
    .getByText(/^paid /)
    .waitFor();
  assert.equal(
    await billCard(page, 'Groceries')
      .getByRole('button', { name: /^Delete/ })
      .count(),
    0,
  );

  // Delete an own bill nobody has paid.
  await expandBill(page, 'Coffee');
  await billCard(page, 'Coffee').getByRole('button', { name: 'Delete Coffee' }).click();
  await billCard(page, 'Coffee').getByRole('button', { name: 'Yes, delete' }).click();
  await billCard(page, 'Coffee').waitFor({ state: 'detached' });
  assert.deepEqual(await bills.allTextContents(), ['Rent', 'Groceries']);

  // Alice's position leads the page: she is owed what Bob and Carol owe her.
  await page.getByRole('heading', { level: 2, name: 'You are owed €691.71' }).waitFor();
  await page.setViewportSize(PHONE);
  // On a phone, adding people is reached above the bills, not below every one of them (issue 18, defect 9).
  const addPeople = await page.getByRole('button', { name: /^Add people/ }).boundingBox();
  const firstBill = await page.locator('.bill-list article').first().boundingBox();
  assert.ok(addPeople && firstBill && addPeople.y < firstBill.y, 'Add people comes before the bills');
  // On a phone nothing is wider than the screen.
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= PHONE.width);
});

test('sign up, sign in and out; the session survives a reload and signing out reaches every tab', {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const { server, browser } = await browserTest(t);
  const context = await newPerson(browser);
  const page = await context.newPage();

  const dave = await signUp(page, server.url, 'Dave');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Your groups' }).waitFor();
  const other = await context.newPage();
  await other.goto(`${server.url}/`);
  await other.getByRole('heading', { level: 1, name: 'Your groups' }).waitFor();

  await page.getByRole('button', { name: /^Account/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await other.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();

  await page.getByLabel('Email').fill(dave.email);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('Email or password is wrong').waitFor();
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your groups' }).waitFor();

  // Taken email: the API's message, next to the email field.
  const stranger = await (await newPerson(browser)).newPage();
  await stranger.goto(`${server.url}/signup`);
  await stranger.getByLabel('Name').fill('Dave again');
  await stranger.getByLabel('Email').fill(dave.email.toUpperCase());
  await stranger.getByLabel('Password').fill('another password');
  await stranger.getByRole('button', { name: 'Sign up' }).click();
  await stranger.locator('#auth-email-error').waitFor();
  assert.match((await stranger.locator('#auth-email-error').textContent()) ?? '', /already/i);
});

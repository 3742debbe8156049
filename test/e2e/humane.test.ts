// Issue 18 in the browser, at 1280×800 and 390×844: every error a person can see is a sentence for them
// (checked before sending, and the server's refusals mapped by code and path); long unbroken text never
// widens the page; create a bill → mark it paid → undo with the keyboard alone; amounts typed as people
// type them; axe-core finds nothing on the main screens and form borders reach 3:1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import {
  billCard,
  browserTest,
  expandBill,
  newPerson,
  openBillForm,
  openMemberForms,
  signInWithToken,
  toast,
  waitLive,
  TEST_TIMEOUT_MS,
} from './browser.ts';
import { expectInputBorders, expectNoAxeViolations } from './a11y.ts';

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** Validator internals that must never reach a person. */
const INTERNALS = /pattern|NOT have|\{/;

async function visibleErrors(page: Page): Promise<string[]> {
  return page.locator('.error').allInnerTexts();
}
async function expectHumane(page: Page, where: string) {
  for (const text of await visibleErrors(page)) assert.doesNotMatch(text, INTERNALS, `${where}: "${text}"`);
}
async function expectNoSideScroll(page: Page, where: string) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${where}: the page is ${scroll} px wide in a ${inner} px window`);
}
const errorOf = (page: Page, id: string) => page.locator(`#${id}-error`);
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

async function signedInPage(browser: Browser, url: string, user: TestUser, size: { width: number; height: number }) {
  const context = await newPerson(browser, size);
  await signInWithToken(context, url, user);
  return context.newPage();
}

/** Presses Tab until the focused element matches, at most `max` times: the keyboard's way to reach a control. */
async function tabTo(page: Page, matches: (el: { id: string; text: string; tag: string }) => boolean, what: string, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await page.evaluate(() => ({
      id: document.activeElement?.id ?? '',
      text: (document.activeElement as HTMLElement | null)?.innerText ?? '',
      tag: document.activeElement?.tagName ?? '',
    }));
    if (matches(el)) return;
  }
  assert.fail(`${what}: not reached with ${max} Tabs`);
}

for (const size of SIZES) {
  test(`${size.name}: every field error is a sentence, checked before sending and mapped from the server`, {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { server, browser } = await browserTest(t);
    const context = await newPerson(browser, size);
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') sent.push(new URL(r.url()).pathname);
    });

    // Sign-up, empty: three sentences, focus on the first, nothing sent.
    await page.goto(`${server.url}/signup`);
    await page.waitForFunction(() => document.title === 'Create your account · Chipin');
    assert.deepEqual(consoleErrors, [], 'a signed-out load logs nothing (no 401 for "who am I")');
    await page.getByRole('button', { name: 'Sign up' }).click();
    assert.equal(await errorOf(page, 'auth-name').innerText(), 'Enter your name.');
    assert.equal(await errorOf(page, 'auth-email').innerText(), 'Enter your email address.');
    assert.equal(await errorOf(page, 'auth-password').innerText(), 'Choose a password.');
    await page.waitForFunction(() => document.activeElement?.id === 'auth-name');
    assert.deepEqual(sent, []);
    await expectHumane(page, 'empty sign-up');
    await expectNoSideScroll(page, 'empty sign-up');
    await expectNoAxeViolations(page, `empty sign-up (${size.name})`);
    await expectInputBorders(page, 'sign-up');
    for (const id of ['auth-name', 'auth-email', 'auth-password']) assert.equal(await page.locator(`#${id}`).getAttribute('required'), '');
    assert.equal(await page.locator('#auth-name').getAttribute('maxlength'), '100');
    assert.equal(await page.locator('#auth-email').getAttribute('maxlength'), '254');

    // Typing clears a field's message at once; a bad email and a short password get their own.
    await page.getByLabel('Name').fill('Zoe');
    assert.equal(await errorOf(page, 'auth-name').count(), 0, 'no stale error on a filled-in field');
    await page.getByLabel('Email').fill('x');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Sign up' }).click();
    assert.equal(await errorOf(page, 'auth-email').innerText(), "That doesn't look like an email address.");
    assert.equal(await errorOf(page, 'auth-password').innerText(), 'Use at least 8 characters.');
    await page.waitForFunction(() => document.activeElement?.id === 'auth-email');
    assert.deepEqual(sent, []);

    // What the server refuses anyway is said in the same words (the request is altered on its way out so
    // the server sees what the form would never send).
    await page.route('**/api/auth/register', (route) =>
      route.continue({ postData: JSON.stringify({ ...route.request().postDataJSON(), name: ' \t' }) }),
    );
    await page.getByLabel('Email').fill(`zoe.${process.pid}.${size.name}@example.test`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await errorOf(page, 'auth-name').getByText('Enter your name on one line, at most 100 characters.').waitFor();
    assert.deepEqual(sent, ['/api/auth/register']);
    await expectHumane(page, 'sign-up refused by the server');
    await page.unrouteAll();

    // Sign-in, empty.
    await page.goto(`${server.url}/signin`);
    await page.waitForFunction(() => document.title === 'Sign in · Chipin');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(await errorOf(page, 'auth-email').innerText(), 'Enter your email address.');
    assert.equal(await errorOf(page, 'auth-password').innerText(), 'Enter your password.');
    await page.waitForFunction(() => document.activeElement?.id === 'auth-email');
    await expectHumane(page, 'empty sign-in');
    await expectNoAxeViolations(page, `empty sign-in (${size.name})`);

    // Offline: said as such, and the typed form is kept.
    await page.getByLabel('Email').fill('someone@example.test');
    await page.getByLabel('Password').fill('whatever it is');
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .getByText(/Could not reach Chipin, so nothing was saved\. Check your connection and try again/)
      .waitFor();
    assert.equal(await page.getByLabel('Email').inputValue(), 'someone@example.test');
    await context.setOffline(false);

    // Signed in: a group name over 100 characters, and members by a bad or unknown email.
    const [ann, bob] = [await register(server.url, 'Ann'), await register(server.url, 'Bob')];
    const groupId = await groupWith(server.url, ann, [bob], 'EUR');
    const signed = await signedInPage(browser, server.url, ann, size);
    await signed.goto(`${server.url}/`);
    await signed.getByRole('heading', { level: 1, name: 'Your groups' }).waitFor();
    assert.equal(await signed.locator('#group-name').getAttribute('maxlength'), '100');
    await signed.getByRole('button', { name: 'Create group' }).click();
    assert.equal(await errorOf(signed, 'group-name').innerText(), 'Give the group a name.');
    await signed.route('**/api/groups', (route) =>
      route.continue({ postData: JSON.stringify({ ...route.request().postDataJSON(), name: 'n'.repeat(101) }) }),
    );
    await signed.getByLabel('Name').fill('Flat');
    await signed.getByRole('button', { name: 'Create group' }).click();
    await errorOf(signed, 'group-name').getByText('Give the group a name on one line, at most 100 characters.').waitFor();
    await expectHumane(signed, 'group name refused');
    await expectNoSideScroll(signed, 'group name refused');
    await signed.unrouteAll();

    await signed.goto(`${server.url}/groups/${groupId}`);
    await signed.getByRole('heading', { level: 1, name: 'Trip' }).waitFor();
    await openMemberForms(signed);
    const member = signed.getByLabel('Add a member by email or name');
    assert.equal(await member.getAttribute('maxlength'), '254');
    await signed.getByRole('button', { name: 'Add member' }).click();
    assert.equal(await errorOf(signed, 'member-email').innerText(), 'Enter their email address, or a name for someone without an account.');
    await member.fill('x@');
    assert.equal(await errorOf(signed, 'member-email').count(), 0, 'typing clears the message');
    await signed.getByRole('button', { name: 'Add member' }).click();
    assert.equal(await errorOf(signed, 'member-email').innerText(), "That doesn't look like an email address.");
    await member.fill(bob.email);
    await signed.getByRole('button', { name: 'Add member' }).click();
    await errorOf(signed, 'member-email').getByText('They are already a member of this group.').waitFor();
    await expectHumane(signed, 'add member');

    // The bill form: empty, negative, and what only the server refuses.
    await openBillForm(signed);
    await signed.getByRole('button', { name: 'Add bill' }).click();
    assert.equal(await errorOf(signed, 'bill-description').innerText(), 'Say what the bill was for.');
    assert.equal(await errorOf(signed, 'bill-amount').innerText(), 'Enter the amount.');
    await signed.getByLabel('Amount (EUR)').fill('-5');
    assert.equal(await errorOf(signed, 'bill-amount').innerText(), 'The amount must be more than zero.');
    await signed.getByLabel('Amount (EUR)').fill('20000000000');
    assert.equal(await errorOf(signed, 'bill-amount').innerText(), 'The amount can be at most €10,000,000,000.00.');
    await signed.route('**/api/groups/*/bills', (route) =>
      route.continue({ postData: JSON.stringify({ ...route.request().postDataJSON(), amount: 0 }) }),
    );
    await signed.getByLabel('Description').fill('Coffee');
    await signed.getByLabel('Amount (EUR)').fill('9');
    await signed.getByRole('button', { name: 'Add bill' }).click();
    await errorOf(signed, 'bill-amount').getByText('Enter an amount more than zero, up to €10,000,000,000.00.').waitFor();
    await expectHumane(signed, 'bill form');
    await expectNoSideScroll(signed, 'bill form with errors');
    await expectNoAxeViolations(signed, `group page, bill dialog open with errors (${size.name})`);
    await expectInputBorders(signed, 'group page');
    // The dialog fits the window: nothing of the form is out of reach sideways.
    const sheet = await signed.getByRole('dialog').boundingBox();
    assert.ok(sheet && sheet.x >= 0 && sheet.x + sheet.width <= size.width, `the dialog is ${JSON.stringify(sheet)}`);
  });

  test(`${size.name}: long unbroken names and descriptions wrap; no page scrolls sideways; axe finds nothing`, {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { server, browser } = await browserTest(t);
    const longName = `Alice${'x'.repeat(95)}`;
    const [alice, bob] = [await register(server.url, longName), await register(server.url, 'Bob')];
    const g = await call(server.url, 'POST', '/api/groups', { token: alice.token, body: { name: 'G'.repeat(100), currency: 'USD' } });
    const groupId = g.body.group.id as string;
    assert.equal(
      (await call(server.url, 'POST', `/api/groups/${groupId}/members`, { token: alice.token, body: { email: bob.email } })).status,
      201,
    );
    const description = 'D'.repeat(200);
    const bill = (
      await call(server.url, 'POST', `/api/groups/${groupId}/bills`, {
        token: bob.token,
        body: { description, amount: 999_999_999_999, split: { mode: 'equal', among: [alice.id, bob.id] } },
      })
    ).body.bill;

    const page = await signedInPage(browser, server.url, alice, size);
    await page.goto(`${server.url}/`);
    await page.locator('.group-name').first().waitFor();
    await waitLive(page);
    await expectNoSideScroll(page, 'groups page');
    await expectNoAxeViolations(page, `groups page (${size.name})`);
    // The header stays one line however long the name.
    const header = await page.locator('.app-header').boundingBox();
    assert.ok(header && header.height < 70, `header is ${header?.height} px tall`);

    await page.goto(`${server.url}/groups/${groupId}`);
    await billCard(page, description).waitFor();
    await waitLive(page);
    await expectNoSideScroll(page, 'group page');
    await expectNoAxeViolations(page, `group page (${size.name})`);
    await expectInputBorders(page, 'group page');
    // A large amount and "own part" do not overlap: the rows share one grid.
    await expandBill(page, description);
    await expectNoSideScroll(page, 'group page, a bill expanded');
    await expectNoAxeViolations(page, `group page, a bill expanded (${size.name})`);
    const rows = billCard(page, description).locator('.share');
    const boxes = await Promise.all([0, 1].map((i) => rows.nth(i).locator('.share-amount').boundingBox()));
    assert.equal(Math.round(boxes[0]!.x + boxes[0]!.width), Math.round(boxes[1]!.x + boxes[1]!.width), 'amounts end in one column');

    // A toast with the long text, live.
    await call(server.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: bob.token,
      body: { description: `E${'e'.repeat(199)}`, amount: 100, split: { mode: 'equal', among: [alice.id, bob.id] } },
    });
    await toast(page, 'Bob added E').waitFor();
    await expectNoSideScroll(page, 'group page with a toast');
    // A burst from one person is one toast, and never more than three are shown.
    await Promise.all(
      ['One', 'Two', 'Three'].map((d) =>
        call(server.url, 'POST', `/api/groups/${groupId}/bills`, {
          token: bob.token,
          body: { description: d, amount: 100, split: { mode: 'equal', among: [alice.id, bob.id] } },
        }),
      ),
    );
    await page.locator('.toast-title', { hasText: /^[3-4] new bills from Bob$/ }).waitFor();
    assert.equal(await page.locator('.toast', { hasText: 'new bills from Bob' }).count(), 1);
    assert.ok((await page.locator('.toast').count()) <= 3);
    await expectNoSideScroll(page, 'group page with a burst');

    await page.goto(`${server.url}/bills/${bill.id}`);
    await page.getByRole('heading', { level: 1, name: description }).waitFor();
    assert.equal(await page.getByRole('link', { name: description }).count(), 0, 'the bill page does not link to itself');
    await expectNoSideScroll(page, 'bill page');
    await expectNoAxeViolations(page, `bill page (${size.name})`);

    // A bill deleted meanwhile: its notification's link still leads back to its group.
    const gone = (
      await call(server.url, 'POST', `/api/groups/${groupId}/bills`, {
        token: bob.token,
        body: { description: 'Gone', amount: 100, split: { mode: 'equal', among: [alice.id, bob.id] } },
      })
    ).body.bill;
    assert.equal((await call(server.url, 'DELETE', `/api/bills/${gone.id}`, { token: bob.token })).status, 204);
    await page.goto(`${server.url}/bills/${gone.id}?group=${groupId}`);
    await page.getByRole('heading', { level: 1, name: 'Bill not found' }).waitFor();
    await page.getByRole('link', { name: 'Back to the group' }).click();
    await page.getByRole('heading', { level: 1, name: 'G'.repeat(100) }).waitFor();
  });

  test(`${size.name}: keyboard only — create a bill, mark it paid, undo; Escape keeps a bill; amounts as typed`, {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { server, browser } = await browserTest(t);
    const [alice, bob] = [await register(server.url, 'Alice'), await register(server.url, 'Bob')];
    const euros = await groupWith(server.url, alice, [bob], 'EUR');
    const dollars = await groupWith(server.url, alice, [bob], 'USD');
    const pa = await signedInPage(browser, server.url, alice, size);
    const posts: string[] = [];
    pa.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/bills')) posts.push(r.postData() ?? '');
    });

    // Alice: Tab to "Add a bill", Enter opens the dialog with focus in it; Escape closes it and focus returns
    // to the button; open again, type, Enter. "12,50" in a EUR group is €12.50.
    await pa.goto(`${server.url}/groups/${euros}`);
    await pa.getByRole('heading', { level: 1, name: 'Trip' }).waitFor();
    await waitLive(pa);
    const onAddBill = () => pa.waitForFunction(() => (document.activeElement as HTMLElement | null)?.innerText === 'Add a bill');
    await tabTo(pa, (el) => el.text === 'Add a bill', 'Add a bill');
    await pa.keyboard.press('Enter');
    await pa.waitForFunction(() => document.activeElement?.id === 'bill-description');
    await pa.keyboard.press('Escape');
    await pa.getByRole('dialog').waitFor({ state: 'hidden' });
    await onAddBill();
    await pa.keyboard.press('Enter');
    await pa.waitForFunction(() => document.activeElement?.id === 'bill-description');
    await pa.keyboard.type('Pizza');
    await pa.keyboard.press('Tab');
    assert.equal(await focusedId(pa), 'bill-amount');
    await pa.keyboard.type('12,50');
    await pa.keyboard.press('Enter');
    await billCard(pa, 'Pizza').waitFor();
    assert.equal(JSON.parse(posts[0]).amount, 1250);
    assert.equal(await billCard(pa, 'Pizza').locator('.bill-amount').innerText(), '€12.50');
    // The dialog closed; focus is back on its button, with "Added Pizza." beside it.
    await onAddBill();
    await pa.getByRole('status').getByText('Added Pizza.').waitFor();

    // The row expands to its parts with the keyboard.
    await tabTo(pa, (el) => el.text.startsWith('Parts'), 'Parts');
    await pa.keyboard.press('Enter');
    await billCard(pa, 'Pizza').locator('.shares').waitFor();
    assert.equal(await billCard(pa, 'Pizza').locator('button.bill-toggle').getAttribute('aria-expanded'), 'true');

    // Delete asks; Escape keeps the bill and focus returns to Delete.
    await tabTo(pa, (el) => el.text.startsWith('Delete') && el.tag === 'BUTTON', 'Delete');
    await pa.keyboard.press('Enter');
    await pa.waitForFunction(() => (document.activeElement as HTMLElement | null)?.innerText === 'Keep');
    await pa.keyboard.press('Escape');
    await pa.waitForFunction(() => (document.activeElement as HTMLElement | null)?.innerText.startsWith('Delete') === true);
    assert.equal(await billCard(pa, 'Pizza').getByText('Delete this bill?').count(), 0);

    // Bob: Tab to "Mark as paid", Enter; focus lands on Undo; Enter; the part is owed again.
    const pb = await signedInPage(browser, server.url, bob, size);
    await pb.goto(`${server.url}/groups/${euros}`);
    await billCard(pb, 'Pizza').waitFor();
    await waitLive(pb);
    await tabTo(pb, (el) => el.text.startsWith('Mark as paid'), 'Mark as paid');
    await pb.keyboard.press('Enter');
    await pb.waitForFunction(() => (document.activeElement as HTMLElement | null)?.innerText.startsWith('Undo') === true);
    // Bob's row says where he stands; its parts open without taking focus from Undo.
    await billCard(pb, 'Pizza').getByText('Your part €6.25 · paid').waitFor();
    await billCard(pb, 'Pizza').locator('button.bill-toggle').dispatchEvent('click');
    await pb.waitForFunction(() => (document.activeElement as HTMLElement | null)?.innerText.startsWith('Undo') === true);
    await billCard(pb, 'Pizza')
      .locator('.share', { hasText: 'Bob' })
      .getByText(/^paid /)
      .waitFor();
    await toast(pa, 'Bob paid €6.25 for Pizza').waitFor();
    await expectNoAxeViolations(pb, `group page with Undo (${size.name})`);
    await pb.keyboard.press('Enter');
    await pb.waitForFunction(() => (document.activeElement as HTMLElement | null)?.innerText.startsWith('Mark as paid') === true);
    await billCard(pb, 'Pizza').locator('.share', { hasText: 'Bob' }).getByText('owes').waitFor();
    await toast(pa, 'Bob undid paying €6.25 for Pizza').waitFor();
    const stored = (await call(server.url, 'GET', `/api/groups/${euros}/bills`, { token: alice.token })).body.bills[0];
    assert.equal(stored.shares.find((s: { userId: string }) => s.userId === bob.id).paidAt, null);
    assert.equal(
      (await call(server.url, 'GET', `/api/groups/${euros}/balances`, { token: alice.token })).body.balances.find(
        (b: { userId: string }) => b.userId === bob.id,
      ).net,
      -625,
    );

    // The account menu closes when keyboard focus leaves it.
    await tabTo(pa, (el) => el.tag === 'BUTTON' && el.text.endsWith('Alice'), 'the account button');
    await pa.keyboard.press('Enter');
    await pa.locator('#account-menu').waitFor();
    for (let i = 0; i < 10 && (await pa.locator('#account-menu').count()) > 0; i++) await pa.keyboard.press('Tab');
    assert.equal(await pa.locator('#account-menu').count(), 0, 'closed once focus left it');
    assert.notEqual(await pa.evaluate(() => document.activeElement?.tagName), 'BODY');

    // "1,234.56" in a USD group is $1,234.56.
    await pa.goto(`${server.url}/groups/${dollars}`);
    await pa.getByRole('heading', { level: 1, name: 'Trip' }).waitFor();
    await openBillForm(pa);
    await pa.getByLabel('Description').fill('Hotel');
    await pa.getByLabel('Amount (USD)').fill('1,234.56');
    await pa.getByRole('button', { name: 'Add bill' }).click();
    await billCard(pa, 'Hotel').waitFor();
    assert.equal(JSON.parse(posts[1]).amount, 123456);
    assert.equal(await billCard(pa, 'Hotel').locator('.bill-amount').innerText(), '$1,234.56');
  });
}

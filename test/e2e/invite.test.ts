// Issue 16, "Done means": invite by link. Ann's group has a pending member "Dan" (added by name) who owes a
// part of two bills. Ann shares an invite link; Dan, signed out in a browser of his own, opens it, signs up
// on the same page, joins as "Dan", and sees the group's history: the bills and what he owes are his. Ann's
// open activity tab shows him joining, without a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../support/api.ts';
import { browserTest, newPerson, openMemberForms, waitLive, TEST_TIMEOUT_MS } from './browser.ts';

test("a signed-out person opens an invite link, signs up, takes a pending member's place and sees the history", {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const { server, browser, people, groupId, context } = await browserTest(t, { people: ['Ann', 'Bob'], signedIn: 'Ann' });
  const [ann, bob] = people;
  const dan = (await call(server.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { name: 'Dan' } })).body.group
    .members[2];
  for (const [description, amount] of [
    ['Dinner', 3000],
    ['Taxi', 1500],
  ] as const) {
    const res = await call(server.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: ann.token,
      body: { description, amount, split: { mode: 'equal', among: [ann.id, bob.id, dan.id] } },
    });
    assert.equal(res.status, 201);
  }

  // Ann: Dan shows as pending; she makes a link and copies it.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const pa = await context.newPage();
  await pa.goto(`${server.url}/groups/${groupId}`);
  await pa.getByRole('heading', { level: 1, name: 'Trip' }).waitFor();
  await pa.locator('.member-names').getByText('Dan (pending)').waitFor();
  await openMemberForms(pa);
  await pa.locator('.member-list li[data-pending="true"]', { hasText: 'Dan' }).getByText('pending').waitFor();
  // Dan owes on two bills, so he cannot be removed: said in words, not the server's minor units.
  pa.once('dialog', (d) => void d.accept());
  await pa.getByRole('button', { name: 'Remove Dan' }).click();
  await pa
    .locator('.members')
    .getByText('Dan still owes or is owed money in this group, so they cannot be removed until that is settled.')
    .waitFor();
  await pa.getByRole('button', { name: 'Share invite link' }).click();
  const url = await pa.getByLabel(/Invite link/).inputValue();
  assert.match(url, new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/join/[A-Za-z0-9_-]{43}$`));
  await pa.getByRole('button', { name: 'Copy link' }).click();
  await pa.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await pa.evaluate(() => navigator.clipboard.readText()), url);
  await pa.getByRole('tab', { name: 'Activity' }).click();
  await pa.getByRole('list', { name: 'Activity' }).getByText('Ann made an invite link').waitFor();
  await waitLive(pa);

  // Dan, signed out, opens the link: it says what it is for, and signing up keeps him on it.
  const danContext = await newPerson(browser);
  const pd = await danContext.newPage();
  await pd.goto(url);
  await pd.getByText('Ann invited you to join Trip on Chipin').waitFor();
  const email = `dan.${process.pid}.${Date.now()}@example.test`;
  await pd.getByLabel('Name').fill('Daniel');
  await pd.getByLabel('Email').fill(email);
  await pd.getByLabel('Password').fill('correct horse battery');
  await pd.getByRole('button', { name: 'Sign up' }).click();
  await pd.getByRole('heading', { level: 1, name: 'Join Trip' }).waitFor();
  assert.equal(new URL(pd.url()).pathname, new URL(url).pathname);
  await pd.getByRole('radio', { name: 'I am Dan' }).check();
  await pd.getByRole('button', { name: 'Join Trip' }).click();

  // In the group, with Dan's history: his place in the list, his parts of both bills, the activity.
  await pd.getByRole('heading', { level: 1, name: 'Trip' }).waitFor();
  await pd.locator('.member-names').getByText('Daniel (you)').waitFor();
  assert.doesNotMatch((await pd.locator('.member-names').textContent()) ?? '', /pending/);
  await pd.locator('article.bill', { hasText: 'Dinner' }).waitFor();
  await pd.locator('article.bill', { hasText: 'Taxi' }).waitFor();
  await pd.getByRole('tab', { name: 'Activity' }).click();
  const history = pd.getByRole('list', { name: 'Activity' });
  await history.getByText('Daniel joined, as Dan').waitFor();
  await history.getByText('Ann added Dinner ($30.00)').waitFor();
  await history.getByText('Ann added Taxi ($15.00)').waitFor();
  await history.getByText('Ann added Dan (not signed up yet)').waitFor();
  // What Dan owed is Daniel's now.
  const balances = await call(server.url, 'GET', `/api/groups/${groupId}/balances`, { token: ann.token });
  const daniel = balances.body.balances.filter((b: { userId: string }) => b.userId !== ann.id && b.userId !== bob.id);
  assert.deepEqual(
    daniel.map((b: { net: number }) => b.net),
    [-1500],
  );

  // Ann's open page saw it live: the activity entry and the member list, no reload.
  await pa.getByRole('list', { name: 'Activity' }).getByText('Daniel joined, as Dan').waitFor();
  await pa.locator('.member-list li', { hasText: 'Daniel' }).waitFor();
  assert.equal(await pa.locator('.member-list li[data-pending="true"]').count(), 0);
});

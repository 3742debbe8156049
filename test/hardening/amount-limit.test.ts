// Balances stay exact (issue 19, item 3): 9,008 bills of 10^12 from one member to another pushed a pair's
// unpaid total past 2^53, after which GET /balances failed for good (a RangeError reading the total on
// SQLite, a total that is no longer a safe integer on PostgreSQL). A group's unpaid debts are bounded by
// MAX_GROUP_DEBT (src/domain/money.ts); the bill that would cross it is refused with 409 amount_limit.
// The large totals are written through the store (a thousand bills over HTTP take minutes); every bill
// that is refused or accepted goes over HTTP. Runs on SQLite and, with TEST_STORE=postgres, PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { MAX_AMOUNT, MAX_GROUP_DEBT } from '../../src/domain/money.ts';

async function started(t: import('node:test').TestContext) {
  const s = await startTestServer();
  t.after(() => s.close());
  return s;
}

/** `debtor` owes `creditor` `total` more, written as the bills' transactions would write it. */
async function owes(s: TestServer, groupId: string, debtor: TestUser, creditor: TestUser, total: number) {
  await s.store.transaction((tx) => tx.addDebts(groupId, [{ debtorId: debtor.id, creditorId: creditor.id, delta: total }]));
}

const bill = (s: TestServer, owner: TestUser, groupId: string, amount: number, among: TestUser[]) =>
  call(s.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: owner.token,
    body: {
      description: 'Big',
      amount,
      split: { mode: 'exact', amounts: Object.fromEntries(among.map((u) => [u.id, amount / among.length])) },
    },
  });

/** Everything a refused bill must leave alone: the group's bills, debts and each member's notifications. */
async function snapshot(s: TestServer, groupId: string, users: TestUser[]) {
  return {
    bills: (await s.store.read.listBills(groupId, 10_000, undefined)).map((b) => b.id),
    debts: await s.store.read.listDebts(groupId),
    notifications: await Promise.all(users.map((u) => s.store.read.notificationState(u.id))),
  };
}

function expectLimit(res: { status: number; headers: Headers; body: any }) {
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.match(String(res.headers.get('content-type')), /^application\/problem\+json/);
  assert.equal(res.body.code, 'amount_limit');
  assert.match(res.body.detail, new RegExp(String(MAX_GROUP_DEBT)), 'the detail names the bound');
}

test("the issue's reproduction: the 9,008th bill of 10^12 between two members is refused; balances stay 200 and exact", {
  timeout: 60_000,
}, async (t) => {
  const s = await started(t);
  const [alice, bob] = await Promise.all([register(s.url, 'Alice'), register(s.url, 'Bob')]);
  const groupId = await groupWith(s.url, alice, [bob]);
  // What 9,007 bills of 10^12 (each accepted before the bound) leave: 9.007 × 10^15, still below 2^53.
  const before = 9_007 * MAX_AMOUNT;
  await owes(s, groupId, bob, alice, before);
  const kept = await snapshot(s, groupId, [alice, bob]);

  expectLimit(await bill(s, alice, groupId, MAX_AMOUNT, [bob]));
  assert.deepEqual(await snapshot(s, groupId, [alice, bob]), kept, 'the refused bill changed nothing');

  const balances = await call(s.url, 'GET', `/api/groups/${groupId}/balances`, { token: bob.token });
  assert.equal(balances.status, 200, JSON.stringify(balances.body));
  assert.deepEqual(balances.body.balances, [
    { userId: alice.id, net: before },
    { userId: bob.id, net: -before },
  ]);
  assert.deepEqual(balances.body.settlements, [{ from: bob.id, to: alice.id, amount: before }]);
});

test('a group may owe up to the bound and not a unit more, whichever pair the bill is between', { timeout: 60_000 }, async (t) => {
  const s = await started(t);
  const [alice, bob, carol] = await Promise.all([register(s.url, 'Alice'), register(s.url, 'Bob'), register(s.url, 'Carol')]);
  const groupId = await groupWith(s.url, alice, [bob, carol]);
  const other = await groupWith(s.url, alice, [bob]);
  await owes(s, groupId, bob, alice, MAX_GROUP_DEBT - MAX_AMOUNT);

  // Exactly at the bound: accepted.
  const atBound = await bill(s, alice, groupId, MAX_AMOUNT, [bob]);
  assert.equal(atBound.status, 201, JSON.stringify(atBound.body));
  const kept = await snapshot(s, groupId, [alice, bob, carol]);

  // One minor unit over, from the same pair, the other way round, or between two other members: refused.
  expectLimit(await bill(s, alice, groupId, 1, [bob]));
  expectLimit(await bill(s, bob, groupId, 2, [alice]));
  expectLimit(await bill(s, carol, groupId, 1, [bob]));
  assert.deepEqual(await snapshot(s, groupId, [alice, bob, carol]), kept, 'the refused bills changed nothing');

  const balances = await call(s.url, 'GET', `/api/groups/${groupId}/balances`, { token: carol.token });
  assert.equal(balances.status, 200, JSON.stringify(balances.body));
  assert.deepEqual(balances.body.balances, [
    { userId: alice.id, net: MAX_GROUP_DEBT },
    { userId: bob.id, net: -MAX_GROUP_DEBT },
    { userId: carol.id, net: 0 },
  ]);
  assert.deepEqual(balances.body.settlements, [{ from: bob.id, to: alice.id, amount: MAX_GROUP_DEBT }]);

  // The bound is the group's: another group of the same people is not affected.
  assert.equal((await bill(s, alice, other, MAX_AMOUNT, [bob])).status, 201);

  // Paying lowers the debts, and a bill fits again.
  const paid = await call(s.url, 'POST', `/api/bills/${atBound.body.bill.id}/pay`, { token: bob.token });
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  assert.equal((await bill(s, carol, groupId, 1, [bob])).status, 201);
  const after = await call(s.url, 'GET', `/api/groups/${groupId}/balances`, { token: alice.token });
  assert.deepEqual(after.body.balances, [
    { userId: alice.id, net: MAX_GROUP_DEBT - MAX_AMOUNT },
    { userId: bob.id, net: -(MAX_GROUP_DEBT - MAX_AMOUNT) - 1 },
    { userId: carol.id, net: 1 },
  ]);
});

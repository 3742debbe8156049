// Bills: the four split modes, validation, reading, paging, paying, deleting and Idempotency-Key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { expectInvalid, expectProblem, ISO, notificationsOf, summaryOf, useServer } from './shared.ts';

const api = useServer();

/** Ann owns a group with Bob, Cat and Dan; Eve is registered but not a member. */
async function crew(currency = 'USD') {
  const [ann, bob, cat, dan, eve] = await Promise.all(['Ann', 'Bob', 'Cat', 'Dan', 'Eve'].map((name) => register(api.url, name)));
  const groupId = await groupWith(api.url, ann, [bob, cat, dan], currency);
  return { ann, bob, cat, dan, eve, groupId };
}

const postBill = (user: TestUser, groupId: string, body: unknown, headers: Record<string, string> = {}) =>
  call(api.url, 'POST', `/api/groups/${groupId}/bills`, { token: user.token, body, headers });
const getBill = (user: TestUser, billId: string) => call(api.url, 'GET', `/api/bills/${billId}`, { token: user.token });
const payBill = (user: TestUser, billId: string, headers: Record<string, string> = {}) =>
  call(api.url, 'POST', `/api/bills/${billId}/pay`, { token: user.token, headers });
const deleteBill = (user: TestUser, billId: string) => call(api.url, 'DELETE', `/api/bills/${billId}`, { token: user.token });
const listBills = (user: TestUser, groupId: string, query = '') =>
  call(api.url, 'GET', `/api/groups/${groupId}/bills${query}`, { token: user.token });

const equal = (...users: TestUser[]) => ({ mode: 'equal', among: users.map((u) => u.id) });
const byUser = (entries: [TestUser, number][]) => Object.fromEntries(entries.map(([u, v]) => [u.id, v]));
const exact = (...entries: [TestUser, number][]) => ({ mode: 'exact', amounts: byUser(entries) });
const percent = (...entries: [TestUser, number][]) => ({ mode: 'percent', percents: byUser(entries) });
const shares = (...entries: [TestUser, number][]) => ({ mode: 'shares', shares: byUser(entries) });

/** A bill that must be created; returns it. */
async function created(user: TestUser, groupId: string, amount: number, split: unknown, description = 'Dinner') {
  const res = await postBill(user, groupId, { description, amount, split });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.bill;
}

/** The parts of a bill as [userId, amount] in response order. */
const parts = (bill: { shares: { userId: string; amount: number }[] }) => bill.shares.map((s) => [s.userId, s.amount]);

// ---- the four split modes ----

test('equal: leftover units go to the earliest entries; the bill has every field', async () => {
  const { ann, bob, cat, groupId } = await crew();
  const bill = await created(ann, groupId, 100, equal(bob, cat, ann), 'Pizza');
  assert.deepEqual(parts(bill), [
    [bob.id, 34],
    [cat.id, 33],
    [ann.id, 33],
  ]);
  assert.deepEqual(Object.keys(bill).sort(), [
    'amount',
    'createdAt',
    'currency',
    'date',
    'description',
    'groupId',
    'id',
    'notes',
    'ownerId',
    'shares',
    'version',
  ]);
  assert.equal(bill.groupId, groupId);
  assert.equal(bill.ownerId, ann.id);
  assert.equal(bill.description, 'Pizza');
  assert.equal(bill.amount, 100);
  assert.equal(bill.currency, 'USD');
  assert.match(bill.createdAt, ISO);

  const two = await created(ann, groupId, 101, equal(ann, bob));
  assert.deepEqual(parts(two), [
    [ann.id, 51],
    [bob.id, 50],
  ]);
});

test('equal: zero parts are dropped (2 among 3)', async () => {
  const { ann, bob, cat, groupId } = await crew();
  const bill = await created(ann, groupId, 2, equal(bob, cat, ann));
  assert.deepEqual(parts(bill), [
    [bob.id, 1],
    [cat.id, 1],
  ]);
});

test('equal in JPY splits whole yen and carries the group currency', async () => {
  const { ann, bob, cat, groupId } = await crew('JPY');
  const bill = await created(ann, groupId, 1000, equal(ann, bob, cat));
  assert.equal(bill.currency, 'JPY');
  assert.deepEqual(parts(bill), [
    [ann.id, 334],
    [bob.id, 333],
    [cat.id, 333],
  ]);
});

test('exact: parts as given, zero parts dropped', async () => {
  const { ann, bob, cat, dan, groupId } = await crew();
  const bill = await created(ann, groupId, 100, exact([ann, 10], [bob, 20], [cat, 70], [dan, 0]));
  assert.deepEqual(parts(bill), [
    [ann.id, 10],
    [bob.id, 20],
    [cat.id, 70],
  ]);
});

test('percent: largest remainder wins the leftover unit, ties go to the earlier entry', async () => {
  const { ann, bob, cat, groupId } = await crew();
  // 7 × 20/30/50 % = 1.4, 2.1, 3.5 → floors 1, 2, 3; the one leftover unit goes to the largest remainder (Cat, .5).
  assert.deepEqual(parts(await created(ann, groupId, 7, percent([ann, 20], [bob, 30], [cat, 50]))), [
    [ann.id, 1],
    [bob.id, 2],
    [cat.id, 4],
  ]);
  // 10 × 15/35/50 % = 1.5, 3.5, 5 → Ann and Bob tie at .5: the earlier (Ann) gets it.
  assert.deepEqual(parts(await created(ann, groupId, 10, percent([ann, 15], [bob, 35], [cat, 50]))), [
    [ann.id, 2],
    [bob.id, 3],
    [cat.id, 5],
  ]);
  // Two decimals are fine: 1000 × 33.33/33.33/33.34 % = 333.3, 333.3, 333.4.
  assert.deepEqual(parts(await created(ann, groupId, 1000, percent([ann, 33.33], [bob, 33.33], [cat, 33.34]))), [
    [ann.id, 333],
    [bob.id, 333],
    [cat.id, 334],
  ]);
  // A 0 % entry owes nothing and is dropped.
  assert.deepEqual(parts(await created(ann, groupId, 50, percent([bob, 0], [cat, 100]))), [[cat.id, 50]]);
});

test('shares: proportional weights with the largest-remainder leftover', async () => {
  const { ann, bob, cat, groupId } = await crew();
  // 100 × 1/6, 2/6, 3/6 = 16.67, 33.33, 50 → floors 16, 33, 50; the leftover goes to Ann (.67).
  assert.deepEqual(parts(await created(ann, groupId, 100, shares([ann, 1], [bob, 2], [cat, 3]))), [
    [ann.id, 17],
    [bob.id, 33],
    [cat.id, 50],
  ]);
  // 5 × 1/2, 1/2 → a tie at .5, the earlier entry (Cat) gets the extra unit.
  assert.deepEqual(parts(await created(ann, groupId, 5, shares([cat, 1], [bob, 1]))), [
    [cat.id, 3],
    [bob.id, 2],
  ]);
});

test("the owner's part is settled at creation (paidAt = createdAt), every other part is owed", async () => {
  const { ann, bob, cat, groupId } = await crew();
  const bill = await created(ann, groupId, 300, equal(ann, bob, cat));
  const byId = new Map(bill.shares.map((s: { userId: string }) => [s.userId, s]));
  assert.equal((byId.get(ann.id) as { paidAt: string }).paidAt, bill.createdAt);
  assert.equal((byId.get(bob.id) as { paidAt: null }).paidAt, null);
  assert.equal((byId.get(cat.id) as { paidAt: null }).paidAt, null);
});

test('the amount may be 1 or 10^12', async () => {
  const { ann, bob, groupId } = await crew();
  assert.deepEqual(parts(await created(ann, groupId, 1, equal(bob, ann))), [[bob.id, 1]]);
  assert.deepEqual(parts(await created(ann, groupId, 1e12, equal(ann, bob))), [
    [ann.id, 5e11],
    [bob.id, 5e11],
  ]);
});

test('each receiver gets one bill.created with the bill, group, actor and their own part; the owner none', async () => {
  const { ann, bob, cat, dan, groupId } = await crew();
  const bill = await created(ann, groupId, 1000, exact([ann, 100], [bob, 300], [cat, 600]), 'Groceries');
  for (const [user, amount] of [
    [bob, 300],
    [cat, 600],
  ] as const) {
    const created = (await notificationsOf(api.url, user)).filter((n) => n.type === 'bill.created');
    assert.equal(created.length, 1);
    assert.deepEqual(created[0].data, {
      bill: summaryOf(bill),
      group: { id: groupId, name: 'Trip' },
      actor: { id: ann.id, name: ann.name },
      amount,
    });
  }
  assert.deepEqual(
    (await notificationsOf(api.url, dan)).map((n) => n.type),
    ['group.member_added'],
    'a member outside the split is not notified',
  );
  assert.deepEqual(await notificationsOf(api.url, ann), []);
});

// ---- bad input ----

test('exact parts that do not add up to the amount → 400', async () => {
  const { ann, bob, cat, groupId } = await crew();
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100, split: exact([bob, 50], [cat, 49]) }), 'split.amounts');
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100, split: exact([bob, 50], [cat, 51]) }), 'split.amounts');
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100, split: exact([bob, 50.5], [cat, 49.5]) }), 'split');
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100, split: exact([bob, -10], [cat, 110]) }), 'split');
  assert.deepEqual((await listBills(ann, groupId)).body.bills, []);
});

test('percent with 3 decimals, or not adding up to 100 → 400', async () => {
  const { ann, bob, cat, groupId } = await crew();
  expectInvalid(
    await postBill(ann, groupId, { description: 'X', amount: 1000, split: percent([ann, 33.333], [bob, 33.333], [cat, 33.334]) }),
    'split.percents',
  );
  expectInvalid(
    await postBill(ann, groupId, { description: 'X', amount: 1000, split: percent([bob, 50], [cat, 49.99]) }),
    'split.percents',
  );
  expectInvalid(
    await postBill(ann, groupId, { description: 'X', amount: 1000, split: percent([bob, 50], [cat, 50.01]) }),
    'split.percents',
  );
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 1000, split: percent([bob, 150], [cat, -50]) }), 'split');
  assert.deepEqual((await listBills(ann, groupId)).body.bills, []);
});

test('shares that are not positive integers → 400', async () => {
  const { ann, bob, cat, groupId } = await crew();
  for (const weight of [0, -1, 1.5]) {
    expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100, split: shares([bob, 1], [cat, weight]) }), 'split');
  }
  assert.deepEqual((await listBills(ann, groupId)).body.bills, []);
});

test('a user in the split who is not a member → 400', async () => {
  const { ann, bob, eve, groupId } = await crew();
  for (const split of [equal(ann, bob, eve), exact([bob, 50], [eve, 50]), percent([bob, 50], [eve, 50]), shares([bob, 1], [eve, 1])]) {
    expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100, split }), 'split');
  }
  const made = await postBill(ann, groupId, {
    description: 'X',
    amount: 100,
    split: { mode: 'equal', among: [bob.id, '0000000000nosuchuser'] },
  });
  expectInvalid(made, 'split');
  assert.deepEqual((await listBills(ann, groupId)).body.bills, []);
  assert.deepEqual(await notificationsOf(api.url, eve), []);
});

test('no receiver other than the owner → 400', async () => {
  const { ann, bob, groupId } = await crew();
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100, split: equal(ann) }), 'split');
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100, split: exact([ann, 100], [bob, 0]) }), 'split');
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100, split: percent([ann, 100]) }), 'split');
  // 1 among [Ann, Bob]: Ann (earlier) gets the unit, Bob's zero part is dropped, so nobody owes Ann.
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 1, split: equal(ann, bob) }), 'split');
  assert.deepEqual((await listBills(ann, groupId)).body.bills, []);
});

test('amount 0, 10^12 + 1, negative, a float or a string → 400', async () => {
  const { ann, bob, groupId } = await crew();
  for (const amount of [0, 1e12 + 1, -100, 10.5, '100', null]) {
    expectInvalid(await postBill(ann, groupId, { description: 'X', amount, split: equal(ann, bob) }), 'amount');
  }
  assert.deepEqual((await listBills(ann, groupId)).body.bills, []);
});

test('malformed bodies → 400: missing fields, unknown mode, unknown fields, blank description, duplicate among', async () => {
  const { ann, bob, groupId } = await crew();
  const ok = { description: 'X', amount: 100, split: equal(ann, bob) };
  expectInvalid(await postBill(ann, groupId, { amount: 100, split: ok.split }), 'description');
  expectInvalid(await postBill(ann, groupId, { ...ok, description: '   ' }), 'description');
  expectInvalid(await postBill(ann, groupId, { description: 'X', split: ok.split }), 'amount');
  expectInvalid(await postBill(ann, groupId, { description: 'X', amount: 100 }), 'split');
  expectInvalid(await postBill(ann, groupId, { ...ok, split: { mode: 'random', among: [bob.id] } }), 'split');
  expectInvalid(await postBill(ann, groupId, { ...ok, split: { among: [bob.id] } }), 'split');
  expectInvalid(await postBill(ann, groupId, { ...ok, split: { mode: 'equal', among: [] } }), 'split');
  expectInvalid(await postBill(ann, groupId, { ...ok, split: { mode: 'equal', among: [bob.id, bob.id] } }), 'split');
  expectInvalid(await postBill(ann, groupId, { ...ok, split: { mode: 'exact', amounts: {} } }), 'split');
  expectInvalid(await postBill(ann, groupId, { ...ok, ownerId: bob.id }), 'ownerId');
  expectInvalid(await postBill(ann, groupId, { ...ok, split: { ...ok.split, extra: 1 } }), 'split');
  assert.deepEqual((await listBills(ann, groupId)).body.bills, []);
});

test('creating a bill in a group the caller is not in, or that does not exist → 404', async () => {
  const { bob, eve, groupId } = await crew();
  expectProblem(await postBill(eve, groupId, { description: 'X', amount: 100, split: equal(eve, bob) }), 404, 'not_found');
  expectProblem(await postBill(eve, '0000000000nonexistent', { description: 'X', amount: 100, split: equal(eve, bob) }), 404, 'not_found');
});

// ---- reading ----

test('GET a bill → 200 for any member of its group, 404 for a non-member or an unknown id', async () => {
  const { ann, bob, dan, eve, groupId } = await crew();
  const bill = await created(ann, groupId, 100, equal(ann, bob));
  for (const member of [ann, bob, dan]) {
    const res = await getBill(member, bill.id);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { bill });
  }
  const hidden = await getBill(eve, bill.id);
  const missing = await getBill(eve, '0000000000nonexistent');
  expectProblem(hidden, 404, 'not_found');
  expectProblem(missing, 404, 'not_found');
  assert.equal(hidden.body.detail, missing.body.detail);
});

test('list: newest first, paged with nextCursor until null', async () => {
  const { ann, bob, dan, groupId } = await crew();
  const ids: string[] = [];
  for (let i = 1; i <= 5; i++) ids.push((await created(ann, groupId, 100 * i, equal(ann, bob), `Bill ${i}`)).id);
  const newestFirst = [...ids].reverse();

  const all = await listBills(dan, groupId);
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.body.bills.map((b: { id: string }) => b.id),
    newestFirst,
  );
  assert.equal(all.body.nextCursor, null);
  assert.deepEqual(all.body.bills[0], (await getBill(ann, ids[4])).body.bill, 'listed bills are full bills');

  const seen: string[][] = [];
  let cursor: string | null = null;
  do {
    const page: any = await listBills(ann, groupId, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.status, 200);
    seen.push(page.body.bills.map((b: { id: string }) => b.id));
    cursor = page.body.nextCursor;
    assert.ok(seen.length <= 3, 'paging terminates');
  } while (cursor !== null);
  assert.deepEqual(seen, [newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);

  // A page that ends exactly at the last bill has no next page.
  const exactFit = await listBills(ann, groupId, '?limit=5');
  assert.equal(exactFit.body.bills.length, 5);
  assert.equal(exactFit.body.nextCursor, null);
});

test('list: limit 0, 101, abc, -1, 1.5 and a malformed cursor → 400; limits 1 and 100 are fine', async () => {
  const { ann, bob, groupId } = await crew();
  await created(ann, groupId, 100, equal(ann, bob));
  await created(ann, groupId, 200, equal(ann, bob));
  for (const limit of ['0', '101', 'abc', '-1', '1.5', '']) expectInvalid(await listBills(ann, groupId, `?limit=${limit}`), 'limit');
  for (const cursor of ['garbage', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzz', '%27%20OR%201%3D1'])
    expectInvalid(await listBills(ann, groupId, `?cursor=${cursor}`), 'cursor');
  const one = await listBills(ann, groupId, '?limit=1');
  assert.equal(one.body.bills.length, 1);
  assert.equal(typeof one.body.nextCursor, 'string');
  assert.equal((await listBills(ann, groupId, '?limit=100')).body.bills.length, 2);
});

test('list for a non-member → 404', async () => {
  const { eve, groupId } = await crew();
  expectProblem(await listBills(eve, groupId), 404, 'not_found');
});

// ---- paying ----

test("pay → 200 {bill} with the caller's part paid; the owner gets bill.paid", async () => {
  const { ann, bob, cat, groupId } = await crew();
  const bill = await created(ann, groupId, 300, equal(ann, bob, cat));
  const res = await payBill(bob, bill.id);
  assert.equal(res.status, 200);
  const paid = res.body.bill;
  assert.equal(paid.id, bill.id);
  const bobShare = paid.shares.find((s: { userId: string }) => s.userId === bob.id);
  assert.match(bobShare.paidAt, ISO);
  assert.ok(bobShare.paidAt >= bill.createdAt);
  assert.equal(paid.shares.find((s: { userId: string }) => s.userId === cat.id).paidAt, null, 'Cat still owes');
  assert.equal(paid.shares.find((s: { userId: string }) => s.userId === ann.id).paidAt, bill.createdAt);
  assert.deepEqual((await getBill(cat, bill.id)).body.bill, paid, 'the payment is stored');

  const inbox = await notificationsOf(api.url, ann);
  assert.equal(inbox.length, 1);
  assert.equal(inbox[0].type, 'bill.paid');
  assert.deepEqual(inbox[0].data, {
    bill: summaryOf(paid),
    group: { id: groupId, name: 'Trip' },
    actor: { id: bob.id, name: bob.name },
    amount: 100,
  });
  assert.deepEqual(
    [inbox[0].data.bill.shareCount, inbox[0].data.bill.paidCount],
    [paid.shares.length, 2],
    "Ann's own part and Bob's are paid",
  );
  assert.ok(!('shares' in inbox[0].data.bill), 'a summary, not every share');
});

test('pay again → 409; owner → 403; member without a part → 403; non-member or unknown bill → 404', async () => {
  const { ann, bob, cat, dan, eve, groupId } = await crew();
  const bill = await created(ann, groupId, 300, equal(ann, bob, cat));
  assert.equal((await payBill(bob, bill.id)).status, 200);
  expectProblem(await payBill(bob, bill.id), 409, 'already_paid');
  expectProblem(await payBill(ann, bill.id), 403, 'forbidden');
  expectProblem(await payBill(dan, bill.id), 403, 'forbidden');
  expectProblem(await payBill(eve, bill.id), 404, 'not_found');
  expectProblem(await payBill(eve, '0000000000nonexistent'), 404, 'not_found');
  // Only Bob's payment happened; the owner got exactly one bill.paid.
  const after = (await getBill(ann, bill.id)).body.bill;
  assert.equal(after.shares.find((s: { userId: string }) => s.userId === cat.id).paidAt, null);
  assert.deepEqual(
    (await notificationsOf(api.url, ann)).map((n) => n.type),
    ['bill.paid'],
  );
});

test('pay takes no body: a non-empty one → 400 and nothing is paid', async () => {
  const { ann, bob, groupId } = await crew();
  const bill = await created(ann, groupId, 200, equal(ann, bob));
  expectProblem(await call(api.url, 'POST', `/api/bills/${bill.id}/pay`, { token: bob.token, body: { amount: 1 } }), 400);
  assert.equal((await getBill(bob, bill.id)).body.bill.shares.find((s: { userId: string }) => s.userId === bob.id).paidAt, null);
  assert.equal((await call(api.url, 'POST', `/api/bills/${bill.id}/pay`, { token: bob.token, body: {} })).status, 200);
});

// ---- deleting ----

test('delete: non-owner → 403, non-member → 404; the owner → 204, then the bill is gone', async () => {
  const { ann, bob, cat, dan, eve, groupId } = await crew();
  const bill = await created(ann, groupId, 300, equal(ann, bob, cat));
  expectProblem(await deleteBill(bob, bill.id), 403, 'forbidden');
  expectProblem(await deleteBill(dan, bill.id), 403, 'forbidden');
  expectProblem(await deleteBill(eve, bill.id), 404, 'not_found');
  assert.equal((await getBill(ann, bill.id)).status, 200, 'refused deletes changed nothing');

  const res = await deleteBill(ann, bill.id);
  assert.equal(res.status, 204);
  assert.equal(res.body, '');
  expectProblem(await getBill(ann, bill.id), 404, 'not_found');
  expectProblem(await getBill(bob, bill.id), 404, 'not_found');
  expectProblem(await deleteBill(ann, bill.id), 404, 'not_found');
  expectProblem(await payBill(bob, bill.id), 404, 'not_found');
  assert.deepEqual((await listBills(ann, groupId)).body.bills, []);
});

test('delete: each receiver with an unpaid part gets bill.cancelled with their part; the owner and outsiders none', async () => {
  const { ann, bob, cat, dan, groupId } = await crew();
  const bill = await created(ann, groupId, 1000, exact([ann, 100], [bob, 300], [cat, 600]));
  assert.equal((await deleteBill(ann, bill.id)).status, 204);
  for (const [user, amount] of [
    [bob, 300],
    [cat, 600],
  ] as const) {
    const inbox = await notificationsOf(api.url, user);
    assert.deepEqual(
      inbox.map((n) => n.type),
      ['bill.cancelled', 'bill.created', 'group.member_added'],
    );
    assert.deepEqual(inbox[0].data, {
      bill: summaryOf(bill),
      group: { id: groupId, name: 'Trip' },
      actor: { id: ann.id, name: ann.name },
      amount,
    });
  }
  assert.deepEqual(
    (await notificationsOf(api.url, dan)).map((n) => n.type),
    ['group.member_added'],
  );
  assert.deepEqual(await notificationsOf(api.url, ann), []);
});

test('delete once a receiver has paid → 409 and the bill stays', async () => {
  const { ann, bob, cat, groupId } = await crew();
  const bill = await created(ann, groupId, 300, equal(ann, bob, cat));
  assert.equal((await payBill(bob, bill.id)).status, 200);
  expectProblem(await deleteBill(ann, bill.id), 409, 'bill_has_payments');
  assert.equal((await getBill(ann, bill.id)).status, 200);
  assert.equal((await listBills(ann, groupId)).body.bills.length, 1);
  assert.deepEqual(
    (await notificationsOf(api.url, cat)).map((n) => n.type),
    ['bill.created', 'group.member_added'],
    'no bill.cancelled',
  );
});

// ---- Idempotency-Key ----

test('same Idempotency-Key and same body → the first response again, one bill, one notification', async () => {
  const { ann, bob, groupId } = await crew();
  const body = { description: 'Taxi', amount: 4000, split: equal(ann, bob) };
  const key = { 'idempotency-key': `taxi-${Date.now()}` };
  const first = await postBill(ann, groupId, body, key);
  assert.equal(first.status, 201);
  const second = await postBill(ann, groupId, body, key);
  assert.equal(second.status, 201);
  assert.deepEqual(second.body, first.body);
  // The body's key order does not make it a different request.
  const reordered = await postBill(
    ann,
    groupId,
    { split: { among: body.split.among, mode: 'equal' }, amount: 4000, description: 'Taxi' },
    key,
  );
  assert.equal(reordered.status, 201);
  assert.deepEqual(reordered.body, first.body);

  const bills = (await listBills(ann, groupId)).body.bills;
  assert.deepEqual(
    bills.map((b: { id: string }) => b.id),
    [first.body.bill.id],
  );
  assert.equal((await notificationsOf(api.url, bob)).filter((n) => n.type === 'bill.created').length, 1);
});

test('same Idempotency-Key with a different body or route → 422 and nothing created', async () => {
  const { ann, bob, groupId } = await crew();
  const key = { 'idempotency-key': `k-${Date.now()}` };
  const first = await postBill(ann, groupId, { description: 'Taxi', amount: 4000, split: equal(ann, bob) }, key);
  assert.equal(first.status, 201);
  expectProblem(
    await postBill(ann, groupId, { description: 'Taxi', amount: 4001, split: equal(ann, bob) }, key),
    422,
    'idempotency_mismatch',
  );
  expectProblem(await postBill(ann, groupId, { description: 'Bus', amount: 4000, split: equal(ann, bob) }, key), 422);
  // Another route, or another group's bills route, is another request.
  expectProblem(await payBill(ann, first.body.bill.id, key), 422, 'idempotency_mismatch');
  const otherGroup = await groupWith(api.url, ann, [bob]);
  expectProblem(await postBill(ann, otherGroup, { description: 'Taxi', amount: 4000, split: equal(ann, bob) }, key), 422);
  assert.equal((await listBills(ann, groupId)).body.bills.length, 1);
  assert.deepEqual((await listBills(ann, otherGroup)).body.bills, []);
  assert.equal((await notificationsOf(api.url, bob)).filter((n) => n.type === 'bill.created').length, 1);
});

test("Idempotency-Key is per user: another user's same key creates their own bill", async () => {
  const { ann, bob, groupId } = await crew();
  const key = { 'idempotency-key': `shared-${Date.now()}` };
  const a = await postBill(ann, groupId, { description: 'Taxi', amount: 4000, split: equal(ann, bob) }, key);
  const b = await postBill(bob, groupId, { description: 'Taxi', amount: 4000, split: equal(ann, bob) }, key);
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.notEqual(a.body.bill.id, b.body.bill.id);
  assert.equal(b.body.bill.ownerId, bob.id);
});

test('a malformed Idempotency-Key → 400 and no bill', async () => {
  const { ann, bob, groupId } = await crew();
  const body = { description: 'Taxi', amount: 4000, split: equal(ann, bob) };
  expectProblem(await postBill(ann, groupId, body, { 'idempotency-key': 'x'.repeat(256) }), 400, 'validation');
  assert.deepEqual((await listBills(ann, groupId)).body.bills, []);
});

test('pay with the same Idempotency-Key twice → 200 both times with the same bill, one bill.paid', async () => {
  const { ann, bob, cat, groupId } = await crew();
  const bill = await created(ann, groupId, 300, equal(ann, bob, cat));
  const key = { 'idempotency-key': `pay-${Date.now()}` };
  const first = await payBill(bob, bill.id, key);
  const second = await payBill(bob, bill.id, key);
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.deepEqual(second.body, first.body);
  assert.deepEqual(
    (await notificationsOf(api.url, ann)).map((n) => n.type),
    ['bill.paid'],
  );
  // Without the key it is a new request, and the part is already paid.
  expectProblem(await payBill(bob, bill.id), 409, 'already_paid');
});

test('concurrent requests with one Idempotency-Key: one bill; every answer is that bill or 409 in flight', async () => {
  const { ann, bob, groupId } = await crew();
  const body = { description: 'Race', amount: 999, split: equal(ann, bob) };
  const key = { 'idempotency-key': `race-${Date.now()}` };
  const answers = await Promise.all(Array.from({ length: 8 }, () => postBill(ann, groupId, body, key)));
  const bills = (await listBills(ann, groupId)).body.bills;
  assert.equal(bills.length, 1);
  for (const res of answers) {
    if (res.status === 409) expectProblem(res, 409, 'idempotency_in_flight');
    else {
      assert.equal(res.status, 201);
      assert.deepEqual(res.body.bill, bills[0]);
    }
  }
  assert.ok(answers.some((r) => r.status === 201));
  assert.equal((await notificationsOf(api.url, bob)).filter((n) => n.type === 'bill.created').length, 1);
});

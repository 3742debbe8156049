// Editing a bill (issue 15): version, date, notes, ETag and If-Match, the paid-part rule, the debts it moves,
// bill.updated / bill.cancelled, and the history. Over real HTTP on the real store (PostgreSQL too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { expectInvalid, expectProblem, notificationsOf, useServer } from './shared.ts';

const api = useServer();

async function crew() {
  const [ann, bob, cat, dan] = await Promise.all(['Ann', 'Bob', 'Cat', 'Dan'].map((name) => register(api.url, name)));
  const groupId = await groupWith(api.url, ann, [bob, cat]);
  return { ann, bob, cat, dan, groupId };
}

async function exactBill(owner: TestUser, groupId: string, amounts: [TestUser, number][], extra: Record<string, unknown> = {}) {
  const total = amounts.reduce((s, [, a]) => s + a, 0);
  const res = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: owner.token,
    body: {
      description: 'Dinner',
      amount: total,
      split: { mode: 'exact', amounts: Object.fromEntries(amounts.map(([u, a]) => [u.id, a])) },
      ...extra,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.bill;
}

const patch = (user: TestUser, billId: string, body: unknown, ifMatch?: string) =>
  call(api.url, 'PATCH', `/api/bills/${billId}`, {
    token: user.token,
    body,
    headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
  });

async function balances(user: TestUser, groupId: string) {
  const res = await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: user.token });
  assert.equal(res.status, 200);
  return Object.fromEntries(res.body.balances.map((b: { userId: string; net: number }) => [b.userId, b.net]));
}

test('a new bill has version 1, its creation day as date and empty notes; date and notes are settable; GET sends ETag "1"', async () => {
  const { ann, bob, groupId } = await crew();
  const plain = await exactBill(ann, groupId, [
    [ann, 100],
    [bob, 200],
  ]);
  assert.equal(plain.version, 1);
  assert.equal(plain.date, plain.createdAt.slice(0, 10));
  assert.equal(plain.notes, '');
  const dated = await exactBill(ann, groupId, [[bob, 200]], { date: '2024-02-29', notes: 'Cash\nat the door' });
  assert.equal(dated.date, '2024-02-29');
  assert.equal(dated.notes, 'Cash\nat the door');
  const got = await call(api.url, 'GET', `/api/bills/${dated.id}`, { token: bob.token });
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('etag'), '"1"');
  assert.deepEqual(got.body.bill, dated);
  for (const date of ['2023-02-29', '2024-13-01', '24-01-01', '2024-1-01']) {
    const r = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: ann.token,
      body: { description: 'x', amount: 5, split: { mode: 'equal', among: [bob.id] }, date },
    });
    expectInvalid(r, 'date');
  }
  const long = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: ann.token,
    body: { description: 'x', amount: 5, split: { mode: 'equal', among: [bob.id] }, notes: 'n'.repeat(1001) },
  });
  expectInvalid(long, 'notes');
});

test('PATCH: owner only (403), If-Match required (428) and current (412); 404 for a stranger', async () => {
  const { ann, bob, dan, groupId } = await crew();
  const bill = await exactBill(ann, groupId, [
    [ann, 100],
    [bob, 200],
  ]);
  expectProblem(await patch(bob, bill.id, { description: 'Lunch' }, '"1"'), 403, 'forbidden');
  expectProblem(await patch(dan, bill.id, { description: 'Lunch' }, '"1"'), 404, 'not_found');
  expectProblem(await patch(ann, bill.id, { description: 'Lunch' }), 428, 'precondition_required');
  expectProblem(await patch(ann, bill.id, { description: 'Lunch' }, '"2"'), 412, 'precondition_failed');
  expectProblem(await patch(ann, bill.id, { description: 'Lunch' }, 'W/"1"'), 412, 'precondition_failed');
  const ok = await patch(ann, bill.id, { description: 'Lunch', notes: 'ok' }, '"1"');
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.bill.version, 2);
  assert.equal(ok.body.bill.description, 'Lunch');
  assert.equal(ok.headers.get('etag'), '"2"');
  // The same If-Match again is stale now: the second of two editors learns it.
  expectProblem(await patch(ann, bill.id, { description: 'Supper' }, '"1"'), 412, 'precondition_failed');
  assert.equal((await call(api.url, 'GET', `/api/bills/${bill.id}`, { token: ann.token })).headers.get('etag'), '"2"');
});

test('PATCH body: amount and split together or neither; empty body, unknown fields and bad dates are 400', async () => {
  const { ann, bob, dan, groupId } = await crew();
  const bill = await exactBill(ann, groupId, [
    [ann, 100],
    [bob, 200],
  ]);
  expectInvalid(await patch(ann, bill.id, { amount: 500 }, '"1"'), 'split');
  expectInvalid(await patch(ann, bill.id, { split: { mode: 'equal', among: [bob.id] } }, '"1"'), 'amount');
  expectProblem(await patch(ann, bill.id, {}, '"1"'), 400, 'validation');
  expectProblem(await patch(ann, bill.id, { shares: [] }, '"1"'), 400, 'validation');
  expectInvalid(await patch(ann, bill.id, { date: '2023-02-30' }, '"1"'), 'date');
  expectInvalid(await patch(ann, bill.id, { amount: 300, split: { mode: 'equal', among: [ann.id] } }, '"1"'), 'split');
  expectProblem(await patch(ann, bill.id, { amount: 300, split: { mode: 'equal', among: [bob.id, dan.id] } }, '"1"'), 400, 'validation');
  // Nothing was changed by any of these.
  const got = await call(api.url, 'GET', `/api/bills/${bill.id}`, { token: ann.token });
  assert.equal(got.body.bill.version, 1);
});

test('an edit recomputes unpaid parts and moves the debts by exactly the change; a paid part cannot change or go (409 share_paid)', async () => {
  const { ann, bob, cat, groupId } = await crew();
  const bill = await exactBill(ann, groupId, [
    [ann, 100],
    [bob, 200],
    [cat, 300],
  ]);
  assert.deepEqual(await balances(ann, groupId), { [ann.id]: 500, [bob.id]: -200, [cat.id]: -300 });
  assert.equal((await call(api.url, 'POST', `/api/bills/${bill.id}/pay`, { token: bob.token })).status, 200);
  // Bob paid 200: changing his part or removing him is refused, and nothing changes.
  expectProblem(
    await patch(ann, bill.id, { amount: 700, split: { mode: 'exact', amounts: { [ann.id]: 100, [bob.id]: 250, [cat.id]: 350 } } }, '"1"'),
    409,
    'share_paid',
  );
  expectProblem(
    await patch(ann, bill.id, { amount: 400, split: { mode: 'exact', amounts: { [ann.id]: 100, [cat.id]: 300 } } }, '"1"'),
    409,
    'share_paid',
  );
  assert.deepEqual(await balances(ann, groupId), { [ann.id]: 300, [bob.id]: 0, [cat.id]: -300 });
  // Bob's part kept, Cat's unpaid part changes, Ann's own part changes (settled): debts move by Cat's delta.
  const ok = await patch(
    ann,
    bill.id,
    { amount: 1000, split: { mode: 'exact', amounts: { [ann.id]: 50, [bob.id]: 200, [cat.id]: 750 } } },
    '"1"',
  );
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const shares = Object.fromEntries(
    ok.body.bill.shares.map((s: { userId: string; amount: number; paidAt: string | null }) => [s.userId, s]),
  );
  assert.equal(shares[bob.id].amount, 200);
  assert.notEqual(shares[bob.id].paidAt, null);
  assert.equal(shares[cat.id].amount, 750);
  assert.equal(shares[cat.id].paidAt, null);
  assert.notEqual(shares[ann.id].paidAt, null);
  assert.deepEqual(await balances(ann, groupId), { [ann.id]: 750, [bob.id]: 0, [cat.id]: -750 });
});

test('bill.updated goes to receivers whose part changed and to added ones; bill.cancelled to a removed one; notes alone tell nobody', async () => {
  const { ann, bob, cat, groupId } = await crew();
  const dan = await register(api.url, 'Dan');
  assert.equal(
    (await call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { email: dan.email } })).status,
    201,
  );
  const bill = await exactBill(ann, groupId, [
    [ann, 100],
    [bob, 200],
    [cat, 300],
  ]);
  const before = {
    bob: (await notificationsOf(api.url, bob)).length,
    cat: (await notificationsOf(api.url, cat)).length,
    dan: (await notificationsOf(api.url, dan)).length,
  };
  // Bob's part unchanged, Cat removed, Dan added: only Dan (added) and Cat (removed) hear of it.
  const ok = await patch(
    ann,
    bill.id,
    { amount: 700, split: { mode: 'exact', amounts: { [ann.id]: 100, [bob.id]: 200, [dan.id]: 400 } } },
    '"1"',
  );
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await notificationsOf(api.url, bob)).length, before.bob);
  const [catNote] = await notificationsOf(api.url, cat);
  assert.equal(catNote.type, 'bill.cancelled');
  assert.equal(catNote.data.amount, 300);
  const [danNote] = await notificationsOf(api.url, dan);
  assert.equal(danNote.type, 'bill.updated');
  assert.equal(danNote.data.amount, 400);
  assert.deepEqual(danNote.data.previous, { amount: 0, description: 'Dinner' });
  assert.deepEqual(danNote.data.actor, { id: ann.id, name: ann.name });
  assert.equal(danNote.data.bill.amount, 700);
  assert.equal(danNote.data.group.id, groupId);
  // Notes only: version moves, nobody is told.
  const notes = await patch(ann, bill.id, { notes: 'receipt in the drawer' }, '"2"');
  assert.equal(notes.body.bill.version, 3);
  assert.equal((await notificationsOf(api.url, bob)).length, before.bob);
  // A new description: every receiver hears it, with the previous description and their (unchanged) part.
  const renamed = await patch(ann, bill.id, { description: 'Dinner at Luigi' }, '"3"');
  assert.equal(renamed.status, 200);
  const [bobNote] = await notificationsOf(api.url, bob);
  assert.equal(bobNote.type, 'bill.updated');
  assert.equal(bobNote.data.amount, 200);
  assert.deepEqual(bobNote.data.previous, { amount: 200, description: 'Dinner' });
  assert.equal(bobNote.data.bill.description, 'Dinner at Luigi');
  assert.equal((await notificationsOf(api.url, dan))[0].type, 'bill.updated');
  // Removed Cat's balance is back to zero, Dan owes his part.
  assert.deepEqual(await balances(ann, groupId), { [ann.id]: 600, [bob.id]: -200, [cat.id]: 0, [dan.id]: -400 });
});

test('an edit that changes nothing keeps the version; history lists each edit oldest first with from/to', async () => {
  const { ann, bob, cat, groupId } = await crew();
  const bill = await exactBill(
    ann,
    groupId,
    [
      [ann, 100],
      [bob, 200],
    ],
    { date: '2025-01-02' },
  );
  const same = await patch(ann, bill.id, { description: 'Dinner' }, '"1"');
  assert.equal(same.status, 200);
  assert.equal(same.body.bill.version, 1);
  await patch(ann, bill.id, { description: 'Lunch', date: '2025-01-03' }, '"1"');
  await patch(ann, bill.id, { amount: 400, split: { mode: 'exact', amounts: { [ann.id]: 100, [bob.id]: 100, [cat.id]: 200 } } }, '"2"');
  const history = await call(api.url, 'GET', `/api/bills/${bill.id}/history`, { token: bob.token });
  assert.equal(history.status, 200);
  const revisions = history.body.revisions;
  assert.deepEqual(
    revisions.map((r: { version: number }) => r.version),
    [1, 2, 3],
  );
  assert.deepEqual(revisions[0].changes, {});
  assert.equal(revisions[0].at, bill.createdAt);
  for (const r of revisions) assert.deepEqual(r.actor, { id: ann.id, name: ann.name });
  assert.deepEqual(revisions[1].changes, { description: { from: 'Dinner', to: 'Lunch' }, date: { from: '2025-01-02', to: '2025-01-03' } });
  assert.deepEqual(revisions[2].changes.amount, { from: 300, to: 400 });
  assert.deepEqual(revisions[2].changes.shares.to, [
    { userId: ann.id, amount: 100 },
    { userId: bob.id, amount: 100 },
    { userId: cat.id, amount: 200 },
  ]);
  const stranger = await register(api.url, 'Eve');
  expectProblem(await call(api.url, 'GET', `/api/bills/${bill.id}/history`, { token: stranger.token }), 404, 'not_found');
});

test('an edit that would take the group over the debt limit is 409 amount_limit; one that lowers debts passes', async () => {
  const { ann, bob, groupId } = await crew();
  const big = 1_000_000_000_000;
  // 999 bills of 10^12, twenty at a time (a PostgreSQL pool has a few connections).
  for (let start = 0; start < 999; start += 20) {
    const batch = Array.from({ length: Math.min(20, 999 - start) }, (_, i) =>
      call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
        token: ann.token,
        body: { description: `b${start + i}`, amount: big, split: { mode: 'exact', amounts: { [bob.id]: big } } },
      }),
    );
    for (const r of await Promise.all(batch)) assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  await exactBill(ann, groupId, [[bob, 90]]);
  const last = await exactBill(ann, groupId, [[bob, big - 100]]);
  // The total is 10^15 − 10: raising the last bill by 11 crosses 10^15, by 10 does not.
  expectProblem(
    await patch(ann, last.id, { amount: big - 89, split: { mode: 'exact', amounts: { [bob.id]: big - 89 } } }, '"1"'),
    409,
    'amount_limit',
  );
  const fits = await patch(ann, last.id, { amount: big - 90, split: { mode: 'exact', amounts: { [bob.id]: big - 90 } } }, '"1"');
  assert.equal(fits.status, 200, JSON.stringify(fits.body));
  const lower = await patch(ann, last.id, { amount: 5, split: { mode: 'exact', amounts: { [bob.id]: 5 } } }, '"2"');
  assert.equal(lower.status, 200, JSON.stringify(lower.body));
});

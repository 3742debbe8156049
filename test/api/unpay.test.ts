// Undoing "Mark as paid": POST /api/bills/:billId/unpay by the payer within UNPAY_WINDOW_SECONDS, with the
// debts exactly as before the payment, bill.unpaid to the owner, and 409 once the window has passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { expectProblem, notificationsOf, summaryOf, useServer } from './shared.ts';

// One second, so the test can outlast it; the default is five minutes.
const WINDOW_MS = 1000;
const api = useServer({ UNPAY_WINDOW_SECONDS: '1' });

type Balances = { balances: { userId: string; net: number }[]; settlements: { from: string; to: string; amount: number }[] };

async function crew() {
  const [ann, bob, cat, eve] = await Promise.all(['Ann', 'Bob', 'Cat', 'Eve'].map((name) => register(api.url, name)));
  const groupId = await groupWith(api.url, ann, [bob, cat]);
  const res = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: ann.token,
    body: { description: 'Dinner', amount: 3001, split: { mode: 'equal', among: [ann.id, bob.id, cat.id] } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { ann, bob, cat, eve, groupId, bill: res.body.bill };
}

const pay = (user: TestUser, billId: string) => call(api.url, 'POST', `/api/bills/${billId}/pay`, { token: user.token });
const unpay = (user: TestUser, billId: string, headers: Record<string, string> = {}) =>
  call(api.url, 'POST', `/api/bills/${billId}/unpay`, { token: user.token, headers });
async function balances(user: TestUser, groupId: string): Promise<Balances> {
  const res = await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: user.token });
  assert.equal(res.status, 200);
  return res.body;
}

test('unpay within the window → 200, the part is owed again, debts exactly as before, the owner gets bill.unpaid', async () => {
  const { ann, bob, groupId, bill } = await crew();
  const before = await balances(ann, groupId);
  const paid = await pay(bob, bill.id);
  assert.equal(paid.status, 200);
  assert.notDeepEqual(await balances(ann, groupId), before, 'paying changes the balances');

  const res = await unpay(bob, bill.id);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const bobShare = res.body.bill.shares.find((s: { userId: string }) => s.userId === bob.id);
  assert.equal(bobShare.paidAt, null);
  assert.deepEqual((await call(api.url, 'GET', `/api/bills/${bill.id}`, { token: ann.token })).body.bill, res.body.bill, 'stored');
  assert.deepEqual(await balances(ann, groupId), before, 'the debt is back to the cent');

  const inbox = await notificationsOf(api.url, ann);
  assert.deepEqual(
    inbox.map((n) => n.type),
    ['bill.unpaid', 'bill.paid'],
  );
  assert.deepEqual(inbox[0].data, {
    bill: summaryOf(res.body.bill),
    group: { id: groupId, name: 'Trip' },
    actor: { id: bob.id, name: bob.name },
    amount: bobShare.amount,
  });
  assert.equal(
    (await notificationsOf(api.url, bob)).filter((n) => n.type === 'bill.unpaid').length,
    0,
    'the payer is not told of their own undo',
  );

  // Nobody has paid now, so the owner may delete the bill again; and Bob can pay again.
  assert.equal((await pay(bob, bill.id)).status, 200);
  assert.equal((await unpay(bob, bill.id)).status, 200);
  assert.equal((await call(api.url, 'DELETE', `/api/bills/${bill.id}`, { token: ann.token })).status, 204);
});

test('unpay: not paid → 409 not_paid; the owner or a member without a part → 403; a non-member → 404', async () => {
  const { ann, bob, cat, eve, groupId, bill } = await crew();
  expectProblem(await unpay(bob, bill.id), 409, 'not_paid');
  assert.equal((await pay(bob, bill.id)).status, 200);
  expectProblem(await unpay(ann, bill.id), 403, 'forbidden');
  expectProblem(await unpay(cat, bill.id), 409, 'not_paid');
  expectProblem(await unpay(eve, bill.id), 404, 'not_found');
  expectProblem(await unpay(eve, '0000000000nonexistent'), 404, 'not_found');
  assert.equal((await balances(ann, groupId)).balances.find((b) => b.userId === bob.id)?.net, 0, "Bob's payment stands");
});

test('unpay after the window → 409 undo_window_passed and the payment stands', async () => {
  const { ann, bob, groupId, bill } = await crew();
  assert.equal((await pay(bob, bill.id)).status, 200);
  const after = await balances(ann, groupId);
  await sleep(WINDOW_MS + 300);
  expectProblem(await unpay(bob, bill.id), 409, 'undo_window_passed');
  assert.deepEqual(await balances(ann, groupId), after);
  assert.deepEqual(
    (await notificationsOf(api.url, ann)).map((n) => n.type),
    ['bill.paid'],
  );
});

test('unpay with the same Idempotency-Key twice → the first answer again, one bill.unpaid', async () => {
  const { ann, bob, bill } = await crew();
  assert.equal((await pay(bob, bill.id)).status, 200);
  const first = await unpay(bob, bill.id, { 'idempotency-key': 'undo-1' });
  const again = await unpay(bob, bill.id, { 'idempotency-key': 'undo-1' });
  assert.equal(first.status, 200);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, first.body);
  assert.deepEqual(
    (await notificationsOf(api.url, ann)).map((n) => n.type),
    ['bill.unpaid', 'bill.paid'],
  );
});

test('unpay takes no body: a non-empty one → 400 and the payment stands', async () => {
  const { bob, bill } = await crew();
  assert.equal((await pay(bob, bill.id)).status, 200);
  const res = await call(api.url, 'POST', `/api/bills/${bill.id}/unpay`, { token: bob.token, body: { x: 1 } });
  assert.equal(res.status, 400);
  assert.equal((await unpay(bob, bill.id)).status, 200);
});

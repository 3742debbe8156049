// Payments between two members and reminders (issue 15), over real HTTP on the real store (PostgreSQL too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { expectInvalid, expectProblem, ISO, notificationsOf, useServer } from './shared.ts';

const api = useServer();

async function crew() {
  const [ann, bob, cat, dan] = await Promise.all(['Ann', 'Bob', 'Cat', 'Dan'].map((name) => register(api.url, name)));
  const groupId = await groupWith(api.url, ann, [bob, cat], 'EUR');
  return { ann, bob, cat, dan, groupId };
}

/** A bill owned by `owner` where each listed user owes the given part. */
async function owes(owner: TestUser, groupId: string, parts: [TestUser, number][], date?: string) {
  const total = parts.reduce((s, [, a]) => s + a, 0);
  const res = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: owner.token,
    body: {
      description: 'Bill',
      amount: total,
      split: { mode: 'exact', amounts: Object.fromEntries(parts.map(([u, a]) => [u.id, a])) },
      ...(date ? { date } : {}),
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.bill;
}

const pay = (from: TestUser, groupId: string, body: unknown, headers: Record<string, string> = {}) =>
  call(api.url, 'POST', `/api/groups/${groupId}/payments`, { token: from.token, body, headers });
const confirm = (user: TestUser, paymentId: string) => call(api.url, 'POST', `/api/payments/${paymentId}/confirm`, { token: user.token });
const dispute = (user: TestUser, paymentId: string, body?: unknown) =>
  call(api.url, 'POST', `/api/payments/${paymentId}/dispute`, { token: user.token, body });

async function nets(user: TestUser, groupId: string) {
  const res = await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: user.token });
  assert.equal(res.status, 200);
  return {
    nets: Object.fromEntries(res.body.balances.map((b: { userId: string; net: number }) => [b.userId, b.net])),
    settlements: res.body.settlements,
  };
}

async function shareOf(user: TestUser, billId: string, viewer: TestUser) {
  const res = await call(api.url, 'GET', `/api/bills/${billId}`, { token: viewer.token });
  return res.body.bill.shares.find((s: { userId: string }) => s.userId === user.id);
}

test('record a payment: 201 {payment} pending, the payee hears payment.recorded; balances do not move until confirmed', async () => {
  const { ann, bob, cat, groupId } = await crew();
  await owes(ann, groupId, [[bob, 4000]]);
  const res = await pay(bob, groupId, { to: ann.id, amount: 4000, note: 'cash' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const p = res.body.payment;
  assert.deepEqual(Object.keys(p).sort(), [
    'amount',
    'confirmedAt',
    'createdAt',
    'currency',
    'from',
    'groupId',
    'id',
    'note',
    'status',
    'to',
  ]);
  assert.equal(p.from, bob.id);
  assert.equal(p.to, ann.id);
  assert.equal(p.amount, 4000);
  assert.equal(p.currency, 'EUR');
  assert.equal(p.note, 'cash');
  assert.equal(p.status, 'pending');
  assert.match(p.createdAt, ISO);
  assert.equal(p.confirmedAt, null);
  const [note] = await notificationsOf(api.url, ann);
  assert.equal(note.type, 'payment.recorded');
  assert.deepEqual(note.data.payment, p);
  assert.deepEqual(note.data.actor, { id: bob.id, name: bob.name });
  assert.deepEqual(note.data.group.id, groupId);
  assert.deepEqual((await nets(ann, groupId)).nets, { [ann.id]: 4000, [bob.id]: -4000, [cat.id]: 0 });
});

test('record: 400 for paying yourself or a non-positive amount, 404 for a non-member payee or group; Idempotency-Key replays', async () => {
  const { ann, bob, dan, groupId } = await crew();
  expectInvalid(await pay(bob, groupId, { to: bob.id, amount: 10 }), 'to');
  expectInvalid(await pay(bob, groupId, { to: ann.id, amount: 0 }), 'amount');
  expectInvalid(await pay(bob, groupId, { to: ann.id, amount: -5 }), 'amount');
  expectInvalid(await pay(bob, groupId, { to: ann.id, amount: 1.5 }), 'amount');
  expectProblem(await pay(bob, groupId, { to: dan.id, amount: 10 }), 404, 'not_found');
  expectProblem(await pay(dan, groupId, { to: ann.id, amount: 10 }), 404, 'not_found');
  const first = await pay(bob, groupId, { to: ann.id, amount: 10 }, { 'idempotency-key': 'pay-1' });
  const again = await pay(bob, groupId, { to: ann.id, amount: 10 }, { 'idempotency-key': 'pay-1' });
  assert.equal(first.status, 201);
  assert.equal(again.status, 201);
  assert.deepEqual(again.body, first.body);
  expectProblem(await pay(bob, groupId, { to: ann.id, amount: 11 }, { 'idempotency-key': 'pay-1' }), 422, 'idempotency_mismatch');
  const list = await call(api.url, 'GET', `/api/groups/${groupId}/payments`, { token: ann.token });
  assert.equal(list.body.payments.length, 1);
  assert.equal((await notificationsOf(api.url, ann)).filter((n) => n.type === 'payment.recorded').length, 1);
});

test('confirm and dispute: payee only (403), only while pending (409); strangers get 404', async () => {
  const { ann, bob, cat, dan, groupId } = await crew();
  const a = (await pay(bob, groupId, { to: ann.id, amount: 100 })).body.payment;
  expectProblem(await confirm(bob, a.id), 403, 'forbidden');
  expectProblem(await confirm(cat, a.id), 403, 'forbidden');
  expectProblem(await dispute(bob, a.id), 403, 'forbidden');
  expectProblem(await confirm(dan, a.id), 404, 'not_found');
  expectProblem(await confirm(ann, 'nope'), 404, 'not_found');
  const ok = await confirm(ann, a.id);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.payment.status, 'confirmed');
  assert.match(ok.body.payment.confirmedAt, ISO);
  expectProblem(await confirm(ann, a.id), 409, 'payment_not_pending');
  expectProblem(await dispute(ann, a.id), 409, 'payment_not_pending');
  const [confirmed] = await notificationsOf(api.url, bob);
  assert.equal(confirmed.type, 'payment.confirmed');
  assert.deepEqual(confirmed.data.payment, ok.body.payment);
  assert.deepEqual(confirmed.data.actor, { id: ann.id, name: ann.name });

  const b = (await pay(bob, groupId, { to: ann.id, amount: 200 })).body.payment;
  expectInvalid(await dispute(ann, b.id, { reason: 'x', extra: 1 }), 'extra');
  const disputed = await dispute(ann, b.id, { reason: 'never got it' });
  assert.equal(disputed.status, 200, JSON.stringify(disputed.body));
  assert.equal(disputed.body.payment.status, 'disputed');
  assert.equal(disputed.body.payment.confirmedAt, null);
  expectProblem(await confirm(ann, b.id), 409, 'payment_not_pending');
  const [d] = await notificationsOf(api.url, bob);
  assert.equal(d.type, 'payment.disputed');
  assert.equal(d.data.reason, 'never got it');
  // A dispute without a body is fine too.
  const c = (await pay(bob, groupId, { to: ann.id, amount: 300 })).body.payment;
  assert.equal((await dispute(ann, c.id)).status, 200);
  // A disputed payment never counts: only the confirmed 100 does (a credit of Bob with Ann).
  assert.deepEqual((await nets(ann, groupId)).nets, { [ann.id]: -100, [bob.id]: 100, [cat.id]: 0 });
});

test("a confirmed payment closes the payer's parts owed to the payee oldest first, whole parts only; the rest stays a credit", async () => {
  const { ann, bob, cat, groupId } = await crew();
  // Bob owes Ann three parts: 30 (oldest by date), 50, 40; and Cat's bill (Bob owes Cat 70) is not Ann's.
  const newest = await owes(ann, groupId, [[bob, 40]], '2025-03-03');
  const oldest = await owes(
    ann,
    groupId,
    [
      [bob, 30],
      [cat, 10],
    ],
    '2025-03-01',
  );
  const middle = await owes(ann, groupId, [[bob, 50]], '2025-03-02');
  const cats = await owes(cat, groupId, [[bob, 70]], '2025-01-01');
  const p = (await pay(bob, groupId, { to: ann.id, amount: 100 })).body.payment;
  assert.equal((await confirm(ann, p.id)).status, 200);
  // 30 and 50 closed (80), 40 does not fit in the 20 left: it stays unpaid, 20 is Bob's credit with Ann.
  assert.notEqual((await shareOf(bob, oldest.id, ann)).paidAt, null);
  assert.notEqual((await shareOf(bob, middle.id, ann)).paidAt, null);
  assert.equal((await shareOf(bob, newest.id, ann)).paidAt, null);
  assert.equal((await shareOf(bob, cats.id, ann)).paidAt, null);
  assert.equal((await shareOf(cat, oldest.id, ann)).paidAt, null);
  // Nets: Ann is owed 40 + 10 by Bob and Cat, minus Bob's credit 20; Bob owes 40 + 70 − 20.
  const { nets: n, settlements } = await nets(ann, groupId);
  assert.deepEqual(n, { [ann.id]: 30, [bob.id]: -90, [cat.id]: 60 });
  assert.equal(
    settlements.reduce((s: number, x: { amount: number }) => s + x.amount, 0),
    90,
  );
  // Ann hears bill.paid for each closed part with via, Bob hears payment.confirmed.
  const paid = (await notificationsOf(api.url, ann)).filter((x) => x.type === 'bill.paid');
  assert.deepEqual(
    paid.map((x) => [x.data.bill.id, x.data.amount, x.data.via]).sort(),
    [
      [middle.id, 50, { paymentId: p.id }],
      [oldest.id, 30, { paymentId: p.id }],
    ].sort(),
  );
  for (const x of paid) assert.deepEqual(x.data.actor, { id: bob.id, name: bob.name });
  // A part closed by the payment cannot be edited any more, like one paid directly.
  const edit = await call(api.url, 'PATCH', `/api/bills/${oldest.id}`, {
    token: ann.token,
    headers: { 'if-match': '"1"' },
    body: { amount: 45, split: { mode: 'exact', amounts: { [bob.id]: 35, [cat.id]: 10 } } },
  });
  expectProblem(edit, 409, 'share_paid');
});

test('a payment to someone you owe nothing is all credit; it nets against what they owe you', async () => {
  const { ann, bob, cat, groupId } = await crew();
  await owes(bob, groupId, [[ann, 500]]);
  const p = (await pay(bob, groupId, { to: ann.id, amount: 200 })).body.payment;
  assert.equal((await confirm(ann, p.id)).status, 200);
  // Ann owed Bob 500 and Bob gave Ann 200: Ann owes Bob 700.
  const { nets: n, settlements } = await nets(bob, groupId);
  assert.deepEqual(n, { [ann.id]: -700, [bob.id]: 700, [cat.id]: 0 });
  assert.deepEqual(settlements, [{ from: ann.id, to: bob.id, amount: 700 }]);
});

test('payments list: newest first, paged with limit and cursor; 404 for a stranger, 400 for a bad cursor', async () => {
  const { ann, bob, dan, groupId } = await crew();
  const ids = [];
  for (let i = 1; i <= 5; i++) ids.push((await pay(bob, groupId, { to: ann.id, amount: i })).body.payment.id);
  const first = await call(api.url, 'GET', `/api/groups/${groupId}/payments?limit=2`, { token: ann.token });
  assert.equal(first.status, 200);
  assert.deepEqual(
    first.body.payments.map((p: { id: string }) => p.id),
    [ids[4], ids[3]],
  );
  assert.equal(first.body.nextCursor, ids[3]);
  const second = await call(api.url, 'GET', `/api/groups/${groupId}/payments?limit=2&cursor=${first.body.nextCursor}`, {
    token: ann.token,
  });
  assert.deepEqual(
    second.body.payments.map((p: { id: string }) => p.id),
    [ids[2], ids[1]],
  );
  const last = await call(api.url, 'GET', `/api/groups/${groupId}/payments?limit=2&cursor=${second.body.nextCursor}`, { token: ann.token });
  assert.deepEqual(
    last.body.payments.map((p: { id: string }) => p.id),
    [ids[0]],
  );
  assert.equal(last.body.nextCursor, null);
  expectProblem(await call(api.url, 'GET', `/api/groups/${groupId}/payments`, { token: dan.token }), 404, 'not_found');
  expectInvalid(await call(api.url, 'GET', `/api/groups/${groupId}/payments?cursor=x`, { token: ann.token }), 'cursor');
});

test('remind: owner only; every receiver with an unpaid part or one of them → 202; 409 when nobody owes; 429 with Retry-After within 24 h', async () => {
  const { ann, bob, cat, groupId } = await crew();
  const bill = await owes(ann, groupId, [
    [bob, 100],
    [cat, 200],
  ]);
  const remind = (user: TestUser, body?: unknown) => call(api.url, 'POST', `/api/bills/${bill.id}/remind`, { token: user.token, body });
  expectProblem(await remind(bob), 403, 'forbidden');
  const one = await remind(ann, { userId: bob.id });
  assert.equal(one.status, 202, JSON.stringify(one.body));
  assert.deepEqual(one.body, { reminded: [bob.id] });
  const [note] = await notificationsOf(api.url, bob);
  assert.equal(note.type, 'bill.reminder');
  assert.equal(note.data.amount, 100);
  assert.equal(note.data.bill.id, bill.id);
  assert.deepEqual(note.data.actor, { id: ann.id, name: ann.name });
  // Bob again within the window: 429 with the seconds left (about 24 h).
  const again = await remind(ann, { userId: bob.id });
  expectProblem(again, 429, 'reminded_recently');
  const retry = Number(again.headers.get('retry-after'));
  assert.ok(Number.isInteger(retry) && retry > 23 * 3600 && retry <= 24 * 3600, `Retry-After ${again.headers.get('retry-after')}`);
  // Everyone: only Cat is due, so only Cat is reminded; then nobody is, 429.
  const all = await remind(ann);
  assert.equal(all.status, 202);
  assert.deepEqual(all.body, { reminded: [cat.id] });
  expectProblem(await remind(ann), 429, 'reminded_recently');
  // Once both paid, nobody owes: 409 (also for a named member who owes nothing).
  assert.equal((await call(api.url, 'POST', `/api/bills/${bill.id}/pay`, { token: bob.token })).status, 200);
  expectProblem(await remind(ann, { userId: bob.id }), 409, 'nothing_owed');
  assert.equal((await call(api.url, 'POST', `/api/bills/${bill.id}/pay`, { token: cat.token })).status, 200);
  expectProblem(await remind(ann), 409, 'nothing_owed');
  expectInvalid(await remind(ann, { userId: bob.id, extra: true }), 'extra');
});

// Group balances: per-member nets and a short list of settling transfers, over real HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { expectInvalid, expectProblem, useServer } from './shared.ts';

const api = useServer();

type Balances = {
  currency: string;
  balances: { userId: string; net: number }[];
  settlements: { from: string; to: string; amount: number }[];
};

async function crew(currency = 'USD') {
  const [ann, bob, cat, dan, eve] = await Promise.all(['Ann', 'Bob', 'Cat', 'Dan', 'Eve'].map((name) => register(api.url, name)));
  const groupId = await groupWith(api.url, ann, [bob, cat, dan], currency);
  return { ann, bob, cat, dan, eve, groupId };
}

async function balancesOf(user: TestUser, groupId: string): Promise<Balances> {
  const res = await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: user.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), ['balances', 'currency', 'settlements']);
  return res.body;
}

async function bill(owner: TestUser, groupId: string, amount: number, amounts: [TestUser, number][]) {
  const res = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: owner.token,
    body: { description: 'Expense', amount, split: { mode: 'exact', amounts: Object.fromEntries(amounts.map(([u, a]) => [u.id, a])) } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.bill as { id: string };
}

const pay = async (user: TestUser, billId: string) =>
  assert.equal((await call(api.url, 'POST', `/api/bills/${billId}/pay`, { token: user.token })).status, 200);

/** Nets as a userId → net map, checking there is exactly one entry per member. */
function netsOf(b: Balances, members: TestUser[]): Record<string, number> {
  assert.equal(b.balances.length, members.length);
  assert.deepEqual(b.balances.map((e) => e.userId).sort(), members.map((m) => m.id).sort());
  return Object.fromEntries(b.balances.map((e) => [e.userId, e.net]));
}

/** The settlements are few, well-formed, and bring every net to zero. */
function checkSettlements(b: Balances, members: TestUser[]) {
  const ids = new Set(members.map((m) => m.id));
  assert.ok(b.settlements.length <= members.length - 1, `${b.settlements.length} transfers for ${members.length} members`);
  const left = new Map(b.balances.map((e) => [e.userId, e.net]));
  for (const s of b.settlements) {
    assert.ok(ids.has(s.from) && ids.has(s.to), 'transfers are between members');
    assert.notEqual(s.from, s.to);
    assert.ok(Number.isInteger(s.amount) && s.amount > 0);
    left.set(s.from, left.get(s.from)! + s.amount);
    left.set(s.to, left.get(s.to)! - s.amount);
  }
  for (const [userId, net] of left) assert.equal(net, 0, `${userId} is not settled`);
}

const sum = (b: Balances) => b.balances.reduce((s, e) => s + e.net, 0);

test('a fresh group: every member at zero, no settlements, the group currency', async () => {
  const { ann, bob, cat, dan, groupId } = await crew('JPY');
  const b = await balancesOf(bob, groupId);
  assert.equal(b.currency, 'JPY');
  assert.deepEqual(netsOf(b, [ann, bob, cat, dan]), { [ann.id]: 0, [bob.id]: 0, [cat.id]: 0, [dan.id]: 0 });
  assert.deepEqual(b.settlements, []);
});

test('nets per member (zero included) add up to 0, and the settlements settle every unpaid part', async () => {
  const { ann, bob, cat, dan, groupId } = await crew();
  const members = [ann, bob, cat, dan];
  await bill(ann, groupId, 3000, [
    [ann, 1000],
    [bob, 1000],
    [cat, 1000],
  ]); // Bob and Cat owe Ann 1000 each
  await bill(bob, groupId, 600, [[cat, 600]]); // Cat owes Bob 600
  await bill(cat, groupId, 250, [
    [cat, 50],
    [ann, 200],
  ]); // Ann owes Cat 200

  const b = await balancesOf(dan, groupId);
  assert.equal(b.currency, 'USD');
  assert.deepEqual(netsOf(b, members), { [ann.id]: 1800, [bob.id]: -400, [cat.id]: -1400, [dan.id]: 0 });
  assert.equal(sum(b), 0);
  checkSettlements(b, members);
  assert.ok(
    b.settlements.every((s) => s.from !== dan.id && s.to !== dan.id),
    'Dan owes and is owed nothing',
  );
  assert.equal(
    b.settlements.reduce((s, t) => s + t.amount, 0),
    1800,
    'no more money moves than the creditors are owed',
  );
});

test('a payment changes the balances; paying everything brings them to zero', async () => {
  const { ann, bob, cat, dan, groupId } = await crew();
  const members = [ann, bob, cat, dan];
  const dinner = await bill(ann, groupId, 900, [
    [ann, 300],
    [bob, 300],
    [cat, 300],
  ]);
  assert.deepEqual(netsOf(await balancesOf(ann, groupId), members), { [ann.id]: 600, [bob.id]: -300, [cat.id]: -300, [dan.id]: 0 });

  await pay(bob, dinner.id);
  const afterBob = await balancesOf(ann, groupId);
  assert.deepEqual(netsOf(afterBob, members), { [ann.id]: 300, [bob.id]: 0, [cat.id]: -300, [dan.id]: 0 });
  assert.deepEqual(afterBob.settlements, [{ from: cat.id, to: ann.id, amount: 300 }]);

  await pay(cat, dinner.id);
  const settled = await balancesOf(ann, groupId);
  assert.deepEqual(netsOf(settled, members), { [ann.id]: 0, [bob.id]: 0, [cat.id]: 0, [dan.id]: 0 });
  assert.deepEqual(settled.settlements, []);
});

test('debts in both directions net out; a deleted bill no longer counts', async () => {
  const { ann, bob, cat, dan, groupId } = await crew();
  const members = [ann, bob, cat, dan];
  await bill(ann, groupId, 500, [[bob, 500]]); // Bob owes Ann 500
  await bill(bob, groupId, 200, [[ann, 200]]); // Ann owes Bob 200
  const b = await balancesOf(cat, groupId);
  assert.deepEqual(netsOf(b, members), { [ann.id]: 300, [bob.id]: -300, [cat.id]: 0, [dan.id]: 0 });
  assert.deepEqual(b.settlements, [{ from: bob.id, to: ann.id, amount: 300 }]);

  const extra = await bill(cat, groupId, 1000, [[dan, 1000]]);
  assert.equal(netsOf(await balancesOf(ann, groupId), members)[dan.id], -1000);
  assert.equal((await call(api.url, 'DELETE', `/api/bills/${extra.id}`, { token: cat.token })).status, 204);
  const after = await balancesOf(ann, groupId);
  assert.deepEqual(netsOf(after, members), { [ann.id]: 300, [bob.id]: -300, [cat.id]: 0, [dan.id]: 0 });
  checkSettlements(after, members);
});

test('many bills among five members: still at most four transfers that settle everything', async () => {
  const { ann, bob, cat, dan, groupId } = await crew();
  const fay = await register(api.url, 'Fay');
  assert.equal(
    (await call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { email: fay.email } })).status,
    201,
  );
  const members = [ann, bob, cat, dan, fay];
  const plan: [TestUser, number, [TestUser, number][]][] = [
    [
      ann,
      1000,
      [
        [bob, 300],
        [cat, 300],
        [dan, 400],
      ],
    ],
    [
      bob,
      777,
      [
        [ann, 111],
        [fay, 666],
      ],
    ],
    [
      cat,
      1234,
      [
        [cat, 34],
        [dan, 600],
        [fay, 600],
      ],
    ],
    [
      dan,
      999,
      [
        [ann, 333],
        [bob, 333],
        [cat, 333],
      ],
    ],
    [
      fay,
      50,
      [
        [ann, 25],
        [bob, 25],
      ],
    ],
  ];
  for (const [owner, amount, parts] of plan) await bill(owner, groupId, amount, parts);
  const b = await balancesOf(fay, groupId);
  assert.equal(sum(b), 0);
  assert.deepEqual(netsOf(b, members), {
    [ann.id]: 1000 - 111 - 333 - 25,
    [bob.id]: -300 + 777 - 333 - 25,
    [cat.id]: -300 + 1200 - 333,
    [dan.id]: -400 - 600 + 999,
    [fay.id]: -666 - 600 + 50,
  });
  checkSettlements(b, members);
});

test('balances: non-member or unknown group → 404; unknown query parameters → 400', async () => {
  const { ann, eve, groupId } = await crew();
  expectProblem(await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: eve.token }), 404, 'not_found');
  expectProblem(await call(api.url, 'GET', '/api/groups/0000000000nonexistent/balances', { token: ann.token }), 404, 'not_found');
  expectInvalid(await call(api.url, 'GET', `/api/groups/${groupId}/balances?as=admin`, { token: ann.token }), 'as');
});

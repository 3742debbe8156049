// Pending members, leaving and removing, over real HTTP on the store under test (issue 16).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, billFor, groupWith, register, type TestUser } from '../support/api.ts';
import { openSse } from '../support/streams.ts';
import { expectInvalid, expectProblem, notificationsOf, useServer } from './shared.ts';

const api = useServer();

let seq = 0;
/** An address nobody has registered (yet). */
const freshEmail = (local: string) => `${local}.${process.pid}.${++seq}@example.test`;
const add = (user: TestUser, groupId: string, body: Record<string, unknown>) =>
  call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: user.token, body });
const remove = (user: TestUser, groupId: string, userId: string) =>
  call(api.url, 'DELETE', `/api/groups/${groupId}/members/${userId}`, { token: user.token });
const getGroup = (user: TestUser, groupId: string) => call(api.url, 'GET', `/api/groups/${groupId}`, { token: user.token });
const registerAs = async (name: string, email: string): Promise<TestUser> => {
  const res = await call(api.url, 'POST', '/api/auth/register', { body: { name, email, password: 'correct horse battery' } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { ...res.body.user, token: res.body.token };
};
const billAmong = async (owner: TestUser, groupId: string, ids: string[], amount = 1000, description = 'Dinner') => {
  const res = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: owner.token,
    body: { description, amount, split: { mode: 'equal', among: [owner.id, ...ids] } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.bill;
};
const activityOf = async (user: TestUser, groupId: string) => {
  const res = await call(api.url, 'GET', `/api/groups/${groupId}/activity?limit=100`, { token: user.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.events as { id: string; type: string; at: string; actor: { id: string; name: string }; data: any }[];
};

test('an unknown email adds a pending member {id, name: local part, email, pending: true}; accounts stay pending: false', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const groupId = await groupWith(api.url, ann, [bob]);
  const email = freshEmail('carol');
  const res = await add(ann, groupId, { email: email.toUpperCase().replace('@EXAMPLE.TEST', '@example.test') });
  assert.equal(res.status, 201);
  const members = res.body.group.members;
  assert.deepEqual(members.slice(0, 2), [
    { id: ann.id, name: ann.name, email: ann.email, pending: false },
    { id: bob.id, name: bob.name, email: bob.email, pending: false },
  ]);
  const carol = members[2];
  assert.equal(carol.pending, true);
  assert.equal(carol.name, email.split('@')[0].toUpperCase());
  assert.equal(typeof carol.id, 'string');
  // The same address again is the same member: 409, whatever its case.
  expectProblem(await add(ann, groupId, { email }), 409, 'already_member');
  // A pending member cannot sign in: the same answer as an unknown address.
  const login = await call(api.url, 'POST', '/api/auth/login', { body: { email, password: `${'x'.repeat(10)}` } });
  expectProblem(login, 401, 'bad_credentials');
  assert.deepEqual((await getGroup(bob, groupId)).body.group.members, members);
});

test('{name} alone adds a pending member without an email; neither email nor name → 400', async () => {
  const ann = await register(api.url, 'Ann');
  const groupId = await groupWith(api.url, ann, []);
  const res = await add(ann, groupId, { name: '  Dan  ' });
  assert.equal(res.status, 201);
  const dan = res.body.group.members[1];
  assert.deepEqual({ ...dan, id: undefined }, { id: undefined, name: 'Dan', email: null, pending: true });
  // Two people of one name are two members.
  const again = await add(ann, groupId, { name: 'Dan' });
  assert.equal(again.status, 201);
  assert.equal(again.body.group.members.length, 3);
  assert.notEqual(again.body.group.members[2].id, dan.id);
  expectInvalid(await add(ann, groupId, {}), 'email');
  expectInvalid(await add(ann, groupId, { name: '   ' }), 'name');
});

test('a pending member billed five times, then registering, sees five notifications 1–5; a stream from 0 replays them', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const groupId = await groupWith(api.url, ann, [bob]);
  const email = freshEmail('pat');
  const pending = (await add(ann, groupId, { email })).body.group.members[2];
  const bills = [];
  for (let i = 1; i <= 5; i++) bills.push(await billAmong(ann, groupId, [pending.id], 1000 * i, `Bill ${i}`));

  const bobBefore = (await notificationsOf(api.url, bob)).length;
  // Registering with another spelling of the address (case) is the same address.
  const pat = await registerAs('Patricia', email.toUpperCase());
  assert.equal(pat.id, pending.id, 'the pending member became the account: same id');
  const inbox = await notificationsOf(api.url, pat);
  assert.deepEqual(
    inbox.map((n) => n.id),
    ['5', '4', '3', '2', '1'],
  );
  assert.deepEqual(
    inbox.map((n) => n.type),
    Array(5).fill('bill.created'),
  );
  assert.deepEqual(
    inbox.map((n) => n.data.bill.id).reverse(),
    bills.map((b) => b.id),
  );
  assert.deepEqual(inbox.map((n) => n.data.amount).reverse(), [500, 1000, 1500, 2000, 2500]);

  const sse = openSse(api.url, pat.token, { lastEventId: '0' });
  try {
    await sse.opened;
    const replayed = await sse.waitFor(5);
    assert.deepEqual(
      replayed.map((r) => r.id),
      ['1', '2', '3', '4', '5'],
    );
    assert.deepEqual(
      replayed.map((r) => r.data.data.bill.id),
      bills.map((b) => b.id),
    );
  } finally {
    sse.close();
  }

  // Now a full member under the name they chose; the others heard that they joined.
  const members = (await getGroup(pat, groupId)).body.group.members;
  assert.deepEqual(members[2], { id: pat.id, name: 'Patricia', email: email.toUpperCase(), pending: false });
  const joined = (await notificationsOf(api.url, bob)).filter((n) => n.type === 'group.member_joined');
  assert.equal((await notificationsOf(api.url, bob)).length, bobBefore + 1);
  assert.deepEqual(
    joined.map((n) => n.data),
    [{ group: { id: groupId, name: 'Trip' }, member: { id: pat.id, name: 'Patricia' } }],
  );
  assert.equal((await notificationsOf(api.url, ann)).filter((n) => n.type === 'group.member_joined').length, 1);
  // Their parts are theirs to pay now.
  assert.equal((await call(api.url, 'POST', `/api/bills/${bills[0].id}/pay`, { token: pat.token })).status, 200);
  const events = await activityOf(ann, groupId);
  assert.deepEqual(
    events.filter((e) => e.type === 'member.joined').map((e) => [e.actor, e.data]),
    [[{ id: pat.id, name: 'Patricia' }, { member: { id: pat.id, name: 'Patricia' } }]],
  );
  // Registering the address again is the usual 409.
  const again = await call(api.url, 'POST', '/api/auth/register', { body: { name: 'X', email, password: 'correct horse battery' } });
  expectProblem(again, 409, 'email_taken');
});

test('two groups with the same pending email share one pending member, and registering makes one account in both', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const g1 = await groupWith(api.url, ann, []);
  const g2 = await groupWith(api.url, bob, []);
  const email = freshEmail('quinn');
  const p1 = (await add(ann, g1, { email })).body.group.members[1];
  const p2 = (await add(bob, g2, { email: email.toUpperCase() })).body.group.members[1];
  assert.equal(p1.id, p2.id, 'one pending member per address');
  await billAmong(ann, g1, [p1.id], 600, 'Taxi');
  await billAmong(bob, g2, [p2.id], 800, 'Hotel');

  const quinn = await registerAs('Quinn', email);
  assert.equal(quinn.id, p1.id);
  const groups = (await call(api.url, 'GET', '/api/groups', { token: quinn.token })).body.groups;
  assert.deepEqual(groups.map((g: { id: string }) => g.id).sort(), [g1, g2].sort());
  const inbox = await notificationsOf(api.url, quinn);
  assert.deepEqual(
    inbox.map((n) => [n.id, n.data.bill.description]),
    [
      ['2', 'Hotel'],
      ['1', 'Taxi'],
    ],
  );
  for (const [owner, g] of [
    [ann, g1],
    [bob, g2],
  ] as const) {
    const balances = (await call(api.url, 'GET', `/api/groups/${g}/balances`, { token: quinn.token })).body;
    assert.ok(balances.balances.some((b: { userId: string; net: number }) => b.userId === quinn.id && b.net < 0));
    assert.ok((await notificationsOf(api.url, owner)).some((n) => n.type === 'group.member_joined' && n.data.member.id === quinn.id));
  }
});

test('leaving: 204 only when settled; any unpaid part either way is 409 balance_not_settled with the amounts', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const carol = await register(api.url, 'Carol');
  const groupId = await groupWith(api.url, ann, [bob, carol]);
  const bill = await billFor(api.url, ann, groupId, [bob], 3000);

  const bobLeaves = await remove(bob, groupId, bob.id);
  expectProblem(bobLeaves, 409, 'balance_not_settled');
  assert.match(bobLeaves.body.detail, /owe 1500 and are owed 0/);
  const annLeaves = await remove(ann, groupId, ann.id);
  expectProblem(annLeaves, 409, 'balance_not_settled');
  assert.match(annLeaves.body.detail, /owe 0 and are owed 1500/);
  // Nobody removes a member with an account but themselves.
  expectProblem(await remove(ann, groupId, carol.id), 403, 'forbidden');
  expectProblem(await remove(ann, groupId, 'no-such-member'), 404, 'not_found');

  assert.equal((await call(api.url, 'POST', `/api/bills/${bill.id}/pay`, { token: bob.token })).status, 200);
  assert.equal((await remove(bob, groupId, bob.id)).status, 204);
  // Gone for them as for any non-member; the bill they paid stays readable to the group.
  expectProblem(await getGroup(bob, groupId), 404, 'not_found');
  expectProblem(await call(api.url, 'GET', `/api/bills/${bill.id}`, { token: bob.token }), 404, 'not_found');
  expectProblem(await call(api.url, 'GET', `/api/groups/${groupId}/activity`, { token: bob.token }), 404, 'not_found');
  expectProblem(await remove(bob, groupId, bob.id), 404, 'not_found');
  assert.equal((await call(api.url, 'GET', `/api/bills/${bill.id}`, { token: carol.token })).body.bill.shares[1].userId, bob.id);
  assert.deepEqual(
    (await getGroup(ann, groupId)).body.group.members.map((m: { id: string }) => m.id),
    [ann.id, carol.id],
  );
  // The remaining members heard it; the one who left did not.
  for (const u of [ann, carol]) {
    const removed = (await notificationsOf(api.url, u)).filter((n) => n.type === 'group.member_removed');
    assert.deepEqual(
      removed.map((n) => n.data),
      [{ group: { id: groupId, name: 'Trip' }, member: { id: bob.id, name: bob.name }, actor: { id: bob.id, name: bob.name } }],
    );
  }
  assert.equal((await notificationsOf(api.url, bob)).filter((n) => n.type === 'group.member_removed').length, 0);
  // A bill can no longer name them.
  expectInvalid(
    await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: ann.token,
      body: { description: 'x', amount: 100, split: { mode: 'equal', among: [ann.id, bob.id] } },
    }),
    `split.among.${bob.id}`,
  );
});

test('a pending member with an unpaid part cannot be removed; without one any member may remove them', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const groupId = await groupWith(api.url, ann, [bob]);
  const owing = (await add(ann, groupId, { name: 'Owing' })).body.group.members[2];
  const idle = (await add(ann, groupId, { email: freshEmail('idle') })).body.group.members[3];
  await billAmong(ann, groupId, [owing.id], 1000);
  const refused = await remove(bob, groupId, owing.id);
  expectProblem(refused, 409, 'balance_not_settled');
  assert.match(refused.body.detail, /Owing owes 500 and is owed 0/);

  assert.equal((await remove(bob, groupId, idle.id)).status, 204);
  assert.deepEqual(
    (await getGroup(ann, groupId)).body.group.members.map((m: { id: string }) => m.id),
    [ann.id, bob.id, owing.id],
  );
  // group.member_removed goes to the remaining members other than the one who removed.
  assert.deepEqual(
    (await notificationsOf(api.url, ann)).filter((n) => n.type === 'group.member_removed').map((n) => n.data),
    [{ group: { id: groupId, name: 'Trip' }, member: { id: idle.id, name: idle.name }, actor: { id: bob.id, name: bob.name } }],
  );
  assert.equal((await notificationsOf(api.url, bob)).filter((n) => n.type === 'group.member_removed').length, 0);
});

test("a removed member's stream receives nothing more from that group", async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const carol = await register(api.url, 'Carol');
  const groupId = await groupWith(api.url, ann, [bob, carol]);
  const other = await groupWith(api.url, carol, [bob]);
  const sse = openSse(api.url, bob.token, { lastEventId: '0' });
  try {
    await sse.opened;
    await sse.waitFor(2); // added to both groups
    assert.equal((await remove(bob, groupId, bob.id)).status, 204);
    const mark = sse.received.length;
    // Every kind of change in the group they left…
    await billFor(api.url, ann, groupId, [carol], 1000);
    assert.equal((await add(ann, groupId, { email: freshEmail('new') })).status, 201);
    assert.equal((await call(api.url, 'POST', `/api/groups/${groupId}/invites`, { token: ann.token, body: {} })).status, 201);
    assert.equal((await remove(carol, groupId, carol.id)).status, 409);
    // …then one in a group they are still in, as a marker that everything before it was delivered.
    await billFor(api.url, carol, other, [bob], 1000);
    await sse.waitFor(1, (r) => r.event === 'bill.created' && r.data.data.group.id === other);
    const after = sse.received.slice(mark);
    const fromLeftGroup = after.filter((r) => r.data.groupId === groupId || r.data.data?.group?.id === groupId);
    assert.deepEqual(fromLeftGroup, []);
  } finally {
    sse.close();
  }
});

// Issue 15 meets issue 16: confirmed payments leave credits in the pair totals, and pending payments are money
// in flight. Both count when someone leaves.
const pay = async (from: TestUser, groupId: string, to: string, amount: number) => {
  const res = await call(api.url, 'POST', `/api/groups/${groupId}/payments`, { token: from.token, body: { to, amount } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.payment as { id: string };
};
const settle = async (payee: TestUser, paymentId: string, how: 'confirm' | 'dispute') => {
  const res = await call(api.url, 'POST', `/api/payments/${paymentId}/${how}`, { token: payee.token, body: {} });
  assert.equal(res.status, 200, JSON.stringify(res.body));
};

test('leaving counts credits from confirmed payments pair by pair, and a pending payment either way blocks it', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const carol = await register(api.url, 'Carol');
  const groupId = await groupWith(api.url, ann, [bob, carol]);
  await billFor(api.url, ann, groupId, [bob], 1000); // Bob owes Ann 500

  // A pending payment is money in flight: neither the payer nor the payee may leave.
  const toAnn = await pay(bob, groupId, ann.id, 700);
  const bobLeaves = await remove(bob, groupId, bob.id);
  expectProblem(bobLeaves, 409, 'balance_not_settled');
  assert.match(bobLeaves.body.detail, /1 pending payment from or to you must be confirmed or disputed first/);
  // Confirmed: it closes Bob's part of 500 and leaves Bob a credit of 200 with Ann (Ann → Bob 200).
  await settle(ann, toAnn.id, 'confirm');
  // Carol overpays Bob by 200 (she owes him nothing): Bob → Carol 200. Bob now has no unpaid part either way
  // and a net of 0 overall, yet Ann owes him 200 and he owes Carol 200: not settled.
  await settle(bob, (await pay(carol, groupId, bob.id, 200)).id, 'confirm');
  const balances = (await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: bob.token })).body.balances;
  assert.equal(balances.find((b: { userId: string }) => b.userId === bob.id).net, 0);
  const refused = await remove(bob, groupId, bob.id);
  expectProblem(refused, 409, 'balance_not_settled');
  assert.match(
    refused.body.detail,
    /owe 0 and are owed 0 in unpaid parts; with credits from confirmed payments, you owe 200 and are owed 200 \(net 0\)/,
  );

  // A disputed payment moves nothing and blocks nothing.
  await settle(carol, (await pay(bob, groupId, carol.id, 50)).id, 'dispute');
  // Ann pays Bob back his credit, Bob pays Carol back hers: each pair nets to 0, and Bob may go.
  await settle(bob, (await pay(ann, groupId, bob.id, 200)).id, 'confirm');
  const toCarol = await pay(bob, groupId, carol.id, 200);
  const carolLeaves = await remove(carol, groupId, carol.id);
  expectProblem(carolLeaves, 409, 'balance_not_settled');
  assert.match(carolLeaves.body.detail, /1 pending payment/);
  await settle(carol, toCarol.id, 'confirm');
  assert.equal((await remove(bob, groupId, bob.id)).status, 204);
  expectProblem(await getGroup(bob, groupId), 404, 'not_found');
});

test('a payment to a pending member is 409 member_pending: only the payee confirms, and they cannot sign in yet', async () => {
  const ann = await register(api.url, 'Ann');
  const groupId = await groupWith(api.url, ann, []);
  const pending = (await add(ann, groupId, { name: 'Later' })).body.group.members[1];
  const withEmail = (await add(ann, groupId, { email: freshEmail('later') })).body.group.members[2];
  for (const to of [pending.id, withEmail.id]) {
    const res = await call(api.url, 'POST', `/api/groups/${groupId}/payments`, { token: ann.token, body: { to, amount: 100 } });
    expectProblem(res, 409, 'member_pending');
  }
  const payments = await call(api.url, 'GET', `/api/groups/${groupId}/payments`, { token: ann.token });
  assert.deepEqual(payments.body.payments, []);
  // Nothing was recorded, so nothing is in the history but the two additions.
  assert.deepEqual(
    (await activityOf(ann, groupId)).map((e) => e.type),
    ['member.added', 'member.added'],
  );
});

// Invite links over real HTTP on the store under test (issue 16).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call, billFor, groupWith, register, type TestUser } from '../support/api.ts';
import { hashToken } from '../../src/commands/auth.ts';
import { newId } from '../../src/domain/ids.ts';
import { expectInvalid, expectProblem, ISO, notificationsOf, useServer } from './shared.ts';

const api = useServer();

const createInvite = (user: TestUser, groupId: string, body?: unknown) =>
  call(api.url, 'POST', `/api/groups/${groupId}/invites`, { token: user.token, body });
const preview = (token: string, user?: TestUser) => call(api.url, 'GET', `/api/invites/${token}`, { token: user?.token });
const accept = (user: TestUser, token: string, body?: unknown) =>
  call(api.url, 'POST', `/api/invites/${token}/accept`, { token: user.token, body });
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
const DAY = 86_400_000;

test('create → 201 {invite: {id, url, expiresAt}}: the url is this origin + /join/<43-character token>, 7 days by default', async () => {
  const ann = await register(api.url, 'Ann');
  const groupId = await groupWith(api.url, ann, []);
  const before = Date.now();
  const res = await createInvite(ann, groupId);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const { invite } = res.body;
  assert.deepEqual(Object.keys(invite).sort(), ['expiresAt', 'id', 'url']);
  assert.match(invite.url, new RegExp(`^${api.url.replace(/[.]/g, '\\.')}/join/[A-Za-z0-9_-]{43}$`));
  assert.match(invite.expiresAt, ISO);
  const days = (Date.parse(invite.expiresAt) - before) / DAY;
  assert.ok(days > 6.99 && days < 7.01, `${days} days`);

  const month = await createInvite(ann, groupId, { expiresInDays: 30 });
  assert.equal(month.status, 201);
  assert.ok((Date.parse(month.body.invite.expiresAt) - before) / DAY > 29.99);
  expectInvalid(await createInvite(ann, groupId, { expiresInDays: 0 }), 'expiresInDays');
  expectInvalid(await createInvite(ann, groupId, { expiresInDays: 31 }), 'expiresInDays');
  expectInvalid(await createInvite(ann, groupId, { expiresInDays: '7' }), 'expiresInDays');
  expectInvalid(await createInvite(ann, groupId, { role: 'admin' }), 'role');

  // Members only, like everything else about a group.
  const eve = await register(api.url, 'Eve');
  expectProblem(await createInvite(eve, groupId), 404, 'not_found');
  expectProblem(await call(api.url, 'GET', `/api/groups/${groupId}/invites`, { token: eve.token }), 404, 'not_found');

  // The list shows the open ones (newest first), never a url: only the token's hash is kept.
  const list = await call(api.url, 'GET', `/api/groups/${groupId}/invites`, { token: ann.token });
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.invites.map((i: { id: string }) => i.id),
    [month.body.invite.id, invite.id],
  );
  assert.deepEqual(list.body.invites[1], {
    id: invite.id,
    createdAt: list.body.invites[1].createdAt,
    expiresAt: invite.expiresAt,
    createdBy: { id: ann.id, name: ann.name },
  });
});

test('PUBLIC_URL, when set, is where links point', async () => {
  const { startTestServer } = await import('../support/server.ts');
  const server = await startTestServer({ PUBLIC_URL: 'https://chipin.example' });
  try {
    const ann = await register(server.url, 'Ann');
    const groupId = await groupWith(server.url, ann, []);
    const res = await call(server.url, 'POST', `/api/groups/${groupId}/invites`, { token: ann.token });
    assert.match(res.body.invite.url, /^https:\/\/chipin\.example\/join\/[A-Za-z0-9_-]{43}$/);
  } finally {
    await server.close();
  }
});

test('GET /api/invites/:token needs no session: the group, who invited, and the pending members a joiner may claim', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const groupId = await groupWith(api.url, ann, [bob]);
  const dan = (await call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { name: 'Dan' } })).body.group
    .members[2];
  await call(api.url, 'POST', `/api/groups/${groupId}/members`, {
    token: ann.token,
    body: { email: `pending.${process.pid}.${Date.now()}@example.test` },
  });
  const token = tokenOf((await createInvite(bob, groupId)).body.invite.url);
  const res = await preview(token);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    group: { id: groupId, name: 'Trip' },
    invitedBy: { name: bob.name },
    pendingMembers: [{ id: dan.id, name: 'Dan' }],
  });
  assert.equal(res.headers.get('cache-control'), 'no-store');
});

test('an expired, a revoked and an unknown token answer alike: 404, the same body', async () => {
  const ann = await register(api.url, 'Ann');
  const carol = await register(api.url, 'Carol');
  const groupId = await groupWith(api.url, ann, []);
  const revoked = (await createInvite(ann, groupId)).body.invite;
  const revoke = await call(api.url, 'DELETE', `/api/invites/${revoked.id}`, { token: ann.token });
  assert.equal(revoke.status, 204);
  // An invite that expired a second ago, written straight to the store (no clock to wind forward).
  const expiredToken = randomBytes(32).toString('base64url');
  const now = Date.now();
  await api.server.store.transaction((tx) =>
    tx.insertInvite({
      id: newId(),
      groupId,
      tokenHash: hashToken(expiredToken),
      createdBy: ann.id,
      createdAt: new Date(now - DAY).toISOString(),
      expiresAt: new Date(now - 1000).toISOString(),
      revokedAt: null,
    }),
  );
  const unknown = randomBytes(32).toString('base64url');
  const answers = [];
  for (const token of [expiredToken, tokenOf(revoked.url), unknown]) {
    const got = await preview(token);
    expectProblem(got, 404, 'not_found');
    answers.push(got.body);
    const joined = await accept(carol, token);
    expectProblem(joined, 404, 'not_found');
    answers.push(joined.body);
  }
  for (const a of answers) assert.deepEqual(a, answers[0]);
  expectProblem(await preview('x'.repeat(300)), 400);
  // None of them is listed; revoking again is 404 too.
  assert.deepEqual((await call(api.url, 'GET', `/api/groups/${groupId}/invites`, { token: ann.token })).body.invites, []);
  expectProblem(await call(api.url, 'DELETE', `/api/invites/${revoked.id}`, { token: ann.token }), 404, 'not_found');
  expectProblem(await getGroupAs(carol, groupId), 404);
});

const getGroupAs = (user: TestUser, groupId: string) => call(api.url, 'GET', `/api/groups/${groupId}`, { token: user.token });

test('revoking: any member may; a non-member gets 404', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const eve = await register(api.url, 'Eve');
  const groupId = await groupWith(api.url, ann, [bob]);
  const invite = (await createInvite(ann, groupId)).body.invite;
  expectProblem(await call(api.url, 'DELETE', `/api/invites/${invite.id}`, { token: eve.token }), 404, 'not_found');
  expectProblem(await call(api.url, 'DELETE', `/api/invites/nonexistent`, { token: bob.token }), 404, 'not_found');
  assert.equal((await call(api.url, 'DELETE', `/api/invites/${invite.id}`, { token: bob.token })).status, 204);
  expectProblem(await call(api.url, 'DELETE', `/api/invites/${invite.id}`, { token: eve.token, headers: {} }), 404);
  expectProblem(await call(api.url, 'POST', `/api/groups/${groupId}/invites`, {}), 401, 'unauthenticated');
});

test('accept → 200 {group}: the caller joins; the others hear group.member_joined; again → 409', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const carol = await register(api.url, 'Carol');
  const groupId = await groupWith(api.url, ann, [bob]);
  const token = tokenOf((await createInvite(ann, groupId)).body.invite.url);
  expectProblem(await call(api.url, 'POST', `/api/invites/${token}/accept`, {}), 401, 'unauthenticated');
  const res = await accept(carol, token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(
    res.body.group.members.map((m: { id: string; pending: boolean }) => [m.id, m.pending]),
    [
      [ann.id, false],
      [bob.id, false],
      [carol.id, false],
    ],
  );
  // The member now sees the group (GET adds the group's change counter, `version`, to the same group).
  const { version, ...seen } = (await getGroupAs(carol, groupId)).body.group;
  assert.equal(typeof version, 'number');
  assert.deepEqual(seen, res.body.group);
  for (const u of [ann, bob]) {
    const joined = (await notificationsOf(api.url, u)).filter((n) => n.type === 'group.member_joined');
    assert.deepEqual(
      joined.map((n) => n.data),
      [{ group: { id: groupId, name: 'Trip' }, member: { id: carol.id, name: carol.name } }],
    );
  }
  assert.deepEqual(await notificationsOf(api.url, carol), [], 'the joiner is not notified of their own joining');
  expectProblem(await accept(carol, token), 409, 'already_member');
  expectProblem(await accept(ann, token), 409, 'already_member');
});

test('accept {memberId}: the caller becomes a pending member without an email, with their parts and notifications', async () => {
  const ann = await register(api.url, 'Ann');
  const dave = await register(api.url, 'Dave');
  const groupId = await groupWith(api.url, ann, []);
  // Dave already has a notification of his own (id 1) from another group.
  const elsewhere = await groupWith(api.url, ann, [dave]);
  assert.ok(elsewhere);
  const added = (await call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { name: 'D.' } })).body.group;
  const pending = added.members[1];
  const withEmail = (
    await call(api.url, 'POST', `/api/groups/${groupId}/members`, {
      token: ann.token,
      body: { email: `e.${process.pid}.${Date.now()}@example.test` },
    })
  ).body.group.members[2];
  const bill1 = await billFor(api.url, ann, groupId, [pending], 1000, 'Pizza');
  const bill2 = await billFor(api.url, ann, groupId, [pending], 3000, 'Boat');
  const token = tokenOf((await createInvite(ann, groupId)).body.invite.url);

  expectProblem(await accept(dave, token, { memberId: withEmail.id }), 403, 'forbidden');
  expectProblem(await accept(dave, token, { memberId: ann.id }), 403, 'forbidden');
  expectProblem(await accept(dave, token, { memberId: 'nobody' }), 404, 'not_found');
  expectInvalid(await accept(dave, token, { memberId: '' }), 'memberId');

  const res = await accept(dave, token, { memberId: pending.id });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // Dave takes the pending member's place in the list.
  assert.deepEqual(
    res.body.group.members.map((m: { id: string }) => m.id),
    [ann.id, dave.id, withEmail.id],
  );
  for (const b of [bill1, bill2]) {
    const bill = (await call(api.url, 'GET', `/api/bills/${b.id}`, { token: dave.token })).body.bill;
    assert.deepEqual(
      bill.shares.map((s: { userId: string }) => s.userId),
      [ann.id, dave.id],
    );
  }
  const balances = (await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: dave.token })).body;
  assert.deepEqual(balances.balances, [
    { userId: ann.id, net: 2000 },
    { userId: dave.id, net: -2000 },
    { userId: withEmail.id, net: 0 },
  ]);
  // The pending member's notifications follow Dave's own, in order.
  const inbox = await notificationsOf(api.url, dave);
  assert.deepEqual(
    inbox.map((n) => [n.id, n.type, n.data.bill?.description]),
    [
      ['3', 'bill.created', 'Boat'],
      ['2', 'bill.created', 'Pizza'],
      ['1', 'group.member_added', undefined],
    ],
  );
  // He can pay what the pending member owed.
  assert.equal((await call(api.url, 'POST', `/api/bills/${bill1.id}/pay`, { token: dave.token })).status, 200);
  // The pending member is gone: no longer offered by the link.
  assert.deepEqual((await preview(token)).body.pendingMembers, []);
  const joined = (await notificationsOf(api.url, ann)).filter((n) => n.type === 'group.member_joined');
  assert.deepEqual(
    joined.map((n) => n.data.member),
    [{ id: dave.id, name: dave.name }],
  );
});

test('claiming a pending member takes their parts, reminders and debts; the claimer then settles with a payment and may leave', async () => {
  const ann = await register(api.url, 'Ann');
  const dave = await register(api.url, 'Dave');
  const groupId = await groupWith(api.url, ann, []);
  const pending = (await call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: ann.token, body: { name: 'P.' } })).body.group
    .members[1];
  const bill = await billFor(api.url, ann, groupId, [pending], 1000, 'Taxi');
  // Reminded while pending: the reminder row is theirs, and goes with them.
  assert.equal((await call(api.url, 'POST', `/api/bills/${bill.id}/remind`, { token: ann.token, body: {} })).status, 202);
  // Nobody can pay them or be paid by them while pending (they cannot sign in), so they have no payments.
  expectProblem(
    await call(api.url, 'POST', `/api/groups/${groupId}/payments`, { token: ann.token, body: { to: pending.id, amount: 100 } }),
    409,
    'member_pending',
  );

  const token = tokenOf((await createInvite(ann, groupId)).body.invite.url);
  const res = await accept(dave, token, { memberId: pending.id });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // The reminder window moved with the part: reminding Dave now is "too soon".
  const again = await call(api.url, 'POST', `/api/bills/${bill.id}/remind`, { token: ann.token, body: { userId: dave.id } });
  expectProblem(again, 429, 'reminded_recently');

  const payment = (await call(api.url, 'POST', `/api/groups/${groupId}/payments`, { token: dave.token, body: { to: ann.id, amount: 500 } }))
    .body.payment;
  assert.equal(payment.from, dave.id);
  assert.equal((await call(api.url, 'POST', `/api/payments/${payment.id}/confirm`, { token: ann.token, body: {} })).status, 200);
  const after = (await call(api.url, 'GET', `/api/bills/${bill.id}`, { token: dave.token })).body.bill;
  assert.match(after.shares.find((s: { userId: string }) => s.userId === dave.id).paidAt, ISO);
  const balances = (await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: dave.token })).body.balances;
  assert.deepEqual(
    balances.map((b: { net: number }) => b.net),
    [0, 0],
  );
  assert.equal((await call(api.url, 'DELETE', `/api/groups/${groupId}/members/${dave.id}`, { token: dave.token })).status, 204);
});

// The group's activity over real HTTP on the store under test (issue 16).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, billFor, groupWith, register, type TestUser } from '../support/api.ts';
import { openSse } from '../support/streams.ts';
import { expectInvalid, expectProblem, ISO, useServer } from './shared.ts';

const api = useServer();

type Event = { id: string; type: string; at: string; actor: { id: string; name: string }; data: any };
const page = (user: TestUser, groupId: string, query = '') =>
  call(api.url, 'GET', `/api/groups/${groupId}/activity${query}`, { token: user.token });

test('every change is one event, newest first, with its actor and data; ids per group count up from 1', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const carol = await register(api.url, 'Carol');
  const groupId = await groupWith(api.url, ann, [bob]); // member.added (1)
  const bill = await billFor(api.url, ann, groupId, [bob], 3000, 'Dinner'); // 2
  assert.equal((await call(api.url, 'POST', `/api/bills/${bill.id}/pay`, { token: bob.token })).status, 200); // 3
  const doomed = await billFor(api.url, ann, groupId, [bob], 500, 'Oops'); // 4
  assert.equal((await call(api.url, 'DELETE', `/api/bills/${doomed.id}`, { token: ann.token })).status, 204); // 5
  const pending = (await call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: bob.token, body: { name: 'Dan' } })).body.group
    .members[2]; // 6
  const invite = (await call(api.url, 'POST', `/api/groups/${groupId}/invites`, { token: ann.token })).body.invite; // 7
  const token = invite.url.slice(invite.url.lastIndexOf('/') + 1);
  assert.equal((await call(api.url, 'POST', `/api/invites/${token}/accept`, { token: carol.token })).status, 200); // 8
  assert.equal((await call(api.url, 'DELETE', `/api/invites/${invite.id}`, { token: carol.token })).status, 204); // 9
  assert.equal((await call(api.url, 'DELETE', `/api/groups/${groupId}/members/${pending.id}`, { token: carol.token })).status, 204); // 10
  assert.equal((await call(api.url, 'DELETE', `/api/groups/${groupId}/members/${carol.id}`, { token: carol.token })).status, 204); // 11
  // Refused changes leave no event.
  assert.equal((await call(api.url, 'DELETE', `/api/groups/${groupId}/members/${ann.id}`, { token: ann.token })).status, 204); // 12: settled
  assert.equal(
    (await call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: bob.token, body: { email: bob.email } })).status,
    409,
  );

  const res = await page(bob, groupId);
  assert.equal(res.status, 200);
  assert.equal(res.body.nextCursor, null);
  const events: Event[] = res.body.events;
  assert.deepEqual(
    events.map((e) => e.id),
    ['12', '11', '10', '9', '8', '7', '6', '5', '4', '3', '2', '1'],
  );
  for (const e of events) {
    assert.deepEqual(Object.keys(e).sort(), ['actor', 'at', 'data', 'id', 'type']);
    assert.match(e.at, ISO);
  }
  const ref = (u: TestUser) => ({ id: u.id, name: u.name });
  assert.deepEqual(events.map((e) => [e.type, e.actor, e.data]).reverse(), [
    ['member.added', ref(ann), { member: { id: bob.id, name: bob.name, pending: false } }],
    ['bill.created', ref(ann), { bill: { id: bill.id, description: 'Dinner', amount: 3000 } }],
    ['bill.paid', ref(bob), { bill: { id: bill.id, description: 'Dinner', amount: 3000 }, amount: 1500 }],
    ['bill.created', ref(ann), { bill: { id: doomed.id, description: 'Oops', amount: 500 } }],
    ['bill.deleted', ref(ann), { bill: { id: doomed.id, description: 'Oops', amount: 500 } }],
    ['member.added', ref(bob), { member: { id: pending.id, name: 'Dan', pending: true } }],
    ['invite.created', ref(ann), { invite: { id: invite.id, expiresAt: invite.expiresAt } }],
    ['member.joined', ref(carol), { member: ref(carol) }],
    ['invite.revoked', ref(carol), { invite: { id: invite.id } }],
    ['member.removed', ref(carol), { member: { id: pending.id, name: 'Dan' } }],
    ['member.removed', ref(carol), { member: ref(carol) }],
    ['member.removed', ref(ann), { member: ref(ann) }],
  ]);
  // Members only: those who left, and strangers, get 404.
  expectProblem(await page(carol, groupId), 404, 'not_found');
  expectProblem(await page(ann, groupId), 404, 'not_found');
});

test('paging: limit and before walk the history without gap or repeat; bad values are 400', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const groupId = await groupWith(api.url, ann, [bob]);
  for (let i = 0; i < 6; i++) await billFor(api.url, ann, groupId, [bob], 100 + i, `B${i}`);
  const seen: string[] = [];
  let query = '?limit=3';
  for (let round = 0; round < 5; round++) {
    const res = await page(ann, groupId, query);
    assert.equal(res.status, 200);
    seen.push(...res.body.events.map((e: Event) => e.id));
    if (res.body.nextCursor === null) break;
    assert.equal(res.body.nextCursor, res.body.events.at(-1).id);
    query = `?limit=3&before=${res.body.nextCursor}`;
  }
  assert.deepEqual(seen, ['7', '6', '5', '4', '3', '2', '1']);
  expectInvalid(await page(ann, groupId, '?limit=0'), 'limit');
  expectInvalid(await page(ann, groupId, '?limit=101'), 'limit');
  expectInvalid(await page(ann, groupId, '?before=abc'), 'before');
  expectInvalid(await page(ann, groupId, '?after=1'), 'after');
});

test('writers at the same time get distinct ids, every one from 1 up, and the page reads them in id order', async () => {
  const ann = await register(api.url, 'Ann');
  const members: TestUser[] = [];
  for (let i = 0; i < 4; i++) members.push(await register(api.url, `M${i}`));
  const groupId = await groupWith(api.url, ann, members); // 4 events
  const bills = await Promise.all(Array.from({ length: 12 }, (_, i) => billFor(api.url, ann, groupId, [members[i % 4]], 100 + i, `C${i}`)));
  await Promise.all(bills.map((b, i) => call(api.url, 'POST', `/api/bills/${b.id}/pay`, { token: members[i % 4].token })));
  const events: Event[] = (await page(ann, groupId, '?limit=100')).body.events;
  assert.deepEqual(
    events.map((e) => Number(e.id)),
    Array.from({ length: 28 }, (_, i) => 28 - i),
  );
  // A bill's payment comes after its creation.
  for (const b of bills) {
    const created = events.find((e) => e.type === 'bill.created' && e.data.bill.id === b.id)!;
    const paid = events.find((e) => e.type === 'bill.paid' && e.data.bill.id === b.id)!;
    assert.ok(Number(paid.id) > Number(created.id));
  }
});

test("each recorded change tells the members' streams group.updated, so an open activity view refreshes", async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const groupId = await groupWith(api.url, ann, [bob]);
  const sse = openSse(api.url, bob.token);
  try {
    await sse.opened;
    const invite = (await call(api.url, 'POST', `/api/groups/${groupId}/invites`, { token: ann.token })).body.invite;
    await sse.waitFor(1, (r) => r.event === 'group.updated' && r.data.groupId === groupId);
    assert.equal((await call(api.url, 'DELETE', `/api/invites/${invite.id}`, { token: ann.token })).status, 204);
    await sse.waitFor(2, (r) => r.event === 'group.updated' && r.data.groupId === groupId);
  } finally {
    sse.close();
  }
});

test('issue 15 changes are events too: bill.updated, payment.recorded / confirmed / disputed; a reminder is not', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const groupId = await groupWith(api.url, ann, [bob]); // member.added
  const bill = await billFor(api.url, ann, groupId, [bob], 3000, 'Dinner'); // bill.created
  const edit = await call(api.url, 'PATCH', `/api/bills/${bill.id}`, {
    token: ann.token,
    headers: { 'if-match': '"1"' },
    body: { description: 'Supper', notes: 'with wine' },
  });
  assert.equal(edit.status, 200, JSON.stringify(edit.body));
  // A refused edit (stale version) and a reminder leave no event.
  assert.equal(
    (await call(api.url, 'PATCH', `/api/bills/${bill.id}`, { token: ann.token, headers: { 'if-match': '"1"' }, body: { notes: 'x' } }))
      .status,
    412,
  );
  assert.equal((await call(api.url, 'POST', `/api/bills/${bill.id}/remind`, { token: ann.token, body: {} })).status, 202);
  const first = (await call(api.url, 'POST', `/api/groups/${groupId}/payments`, { token: bob.token, body: { to: ann.id, amount: 1500 } }))
    .body.payment;
  assert.equal((await call(api.url, 'POST', `/api/payments/${first.id}/confirm`, { token: ann.token, body: {} })).status, 200);
  const second = (await call(api.url, 'POST', `/api/groups/${groupId}/payments`, { token: bob.token, body: { to: ann.id, amount: 99 } }))
    .body.payment;
  assert.equal(
    (await call(api.url, 'POST', `/api/payments/${second.id}/dispute`, { token: ann.token, body: { reason: 'never got it' } })).status,
    200,
  );

  const events: Event[] = (await page(ann, groupId)).body.events;
  const ref = (p: { id: string }, amount: number) => ({
    id: p.id,
    from: { id: bob.id, name: bob.name },
    to: { id: ann.id, name: ann.name },
    amount,
  });
  assert.deepEqual(
    events.slice(0, 5).map((e) => [e.type, e.actor.id, e.data]),
    [
      ['payment.disputed', ann.id, { payment: ref(second, 99) }],
      ['payment.recorded', bob.id, { payment: ref(second, 99) }],
      ['payment.confirmed', ann.id, { payment: ref(first, 1500) }],
      ['payment.recorded', bob.id, { payment: ref(first, 1500) }],
      [
        'bill.updated',
        ann.id,
        { bill: { id: bill.id, description: 'Supper', amount: 3000 }, version: 2, changed: ['description', 'notes'] },
      ],
    ],
  );
  assert.deepEqual(
    events.map((e) => e.id),
    ['7', '6', '5', '4', '3', '2', '1'],
  );
});

// The durable notification inbox: per-user gap-free ids, paging, unread counts and marking read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { expectInvalid, expectProblem, ISO, notificationsOf, useServer } from './shared.ts';

const api = useServer();

const inbox = (user: TestUser, query = '') => call(api.url, 'GET', `/api/notifications${query}`, { token: user.token });
const markRead = (user: TestUser, body: unknown) => call(api.url, 'POST', '/api/notifications/read', { token: user.token, body });
const ids = (list: { id: string }[]) => list.map((n) => n.id);

/** Bob is added to Ann's group (notification 1), then Ann bills him `bills` times (notifications 2…). */
async function bobWithNotifications(bills: number) {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const groupId = await groupWith(api.url, ann, [bob]);
  const billIds: string[] = [];
  for (let i = 1; i <= bills; i++) {
    const res = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: ann.token,
      body: { description: `Bill ${i}`, amount: 100 * i, split: { mode: 'exact', amounts: { [bob.id]: 100 * i } } },
    });
    assert.equal(res.status, 201);
    billIds.push(res.body.bill.id);
  }
  return { ann, bob, groupId, billIds };
}

test('a user with no notifications: empty list, unreadCount 0, nextCursor null', async () => {
  const ann = await register(api.url, 'Ann');
  const res = await inbox(ann);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { notifications: [], unreadCount: 0, nextCursor: null });
});

test('ids are "1", "2", "3"… per user, strictly increasing with no gaps, newest first', async () => {
  const { ann, bob, billIds } = await bobWithNotifications(4);
  const list = await notificationsOf(api.url, bob);
  assert.deepEqual(ids(list), ['5', '4', '3', '2', '1']);
  assert.deepEqual(
    list.map((n) => n.type),
    ['bill.created', 'bill.created', 'bill.created', 'bill.created', 'group.member_added'],
  );
  assert.deepEqual(
    list.slice(0, 4).map((n) => n.data.bill.id),
    [...billIds].reverse(),
  );
  for (const n of list) {
    assert.deepEqual(Object.keys(n).sort(), ['createdAt', 'data', 'id', 'readAt', 'type']);
    assert.match(n.createdAt, ISO);
    assert.equal(n.readAt, null);
  }
  for (let i = 1; i < list.length; i++) assert.ok(list[i - 1].createdAt >= list[i].createdAt, 'newest first');

  // Ann's own inbox is numbered from 1 too, independent of Bob's.
  const cat = await register(api.url, 'Cat');
  const groupId = await groupWith(api.url, cat, [ann]);
  const pay = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: cat.token,
    body: { description: 'Lunch', amount: 500, split: { mode: 'exact', amounts: { [ann.id]: 500 } } },
  });
  assert.equal(pay.status, 201);
  assert.deepEqual(ids(await notificationsOf(api.url, ann)), ['2', '1']);
  // Bob's ids are not affected by others' notifications.
  assert.deepEqual(ids(await notificationsOf(api.url, bob)), ['5', '4', '3', '2', '1']);
});

test('ids stay gap-free across every kind of notification, including after refused requests', async () => {
  const { ann, bob, billIds } = await bobWithNotifications(2);
  // Refused requests write no notification and burn no id.
  expectProblem(await call(api.url, 'DELETE', `/api/bills/${billIds[0]}`, { token: bob.token }), 403);
  assert.equal((await call(api.url, 'DELETE', `/api/bills/${billIds[0]}`, { token: ann.token })).status, 204);
  assert.equal((await call(api.url, 'POST', `/api/bills/${billIds[1]}/pay`, { token: bob.token })).status, 200);
  const bobs = await notificationsOf(api.url, bob);
  assert.deepEqual(ids(bobs), ['4', '3', '2', '1']);
  assert.equal(bobs[0].type, 'bill.cancelled');
  const anns = await notificationsOf(api.url, ann);
  assert.deepEqual(
    anns.map((n) => [n.id, n.type]),
    [['1', 'bill.paid']],
  );
});

test('paging: nextCursor passed back as before walks the whole inbox, ending with null', async () => {
  const { bob } = await bobWithNotifications(4); // ids 1..5
  const first = await inbox(bob, '?limit=2');
  assert.deepEqual(ids(first.body.notifications), ['5', '4']);
  assert.equal(first.body.nextCursor, '4');
  const second = await inbox(bob, `?limit=2&before=${first.body.nextCursor}`);
  assert.deepEqual(ids(second.body.notifications), ['3', '2']);
  assert.equal(second.body.nextCursor, '2');
  const third = await inbox(bob, `?limit=2&before=${second.body.nextCursor}`);
  assert.deepEqual(ids(third.body.notifications), ['1']);
  assert.equal(third.body.nextCursor, null);
  // unreadCount is the whole inbox on every page.
  for (const page of [first, second, third]) assert.equal(page.body.unreadCount, 5);

  const exactFit = await inbox(bob, '?limit=5');
  assert.equal(exactFit.body.notifications.length, 5);
  assert.equal(exactFit.body.nextCursor, null);
  assert.equal((await inbox(bob)).body.notifications.length, 5, 'the default limit covers a small inbox');
  assert.deepEqual(ids((await inbox(bob, '?before=1')).body.notifications), []);
});

test('read {upTo} marks that id and older; unreadCount follows', async () => {
  const { bob } = await bobWithNotifications(3); // ids 1..4
  assert.equal((await inbox(bob)).body.unreadCount, 4);
  const res = await markRead(bob, { upTo: '2' });
  assert.equal(res.status, 204);
  assert.equal(res.body, '');
  const after = await inbox(bob);
  assert.equal(after.body.unreadCount, 2);
  const readAt = Object.fromEntries(after.body.notifications.map((n: { id: string; readAt: string | null }) => [n.id, n.readAt]));
  assert.equal(readAt['4'], null);
  assert.equal(readAt['3'], null);
  assert.match(readAt['2'], ISO);
  assert.match(readAt['1'], ISO);

  // Marking an older id again does not unread anything.
  assert.equal((await markRead(bob, { upTo: '1' })).status, 204);
  assert.equal((await inbox(bob)).body.unreadCount, 2);
});

test('read {all: true} marks everything; a new notification is unread again', async () => {
  const { ann, bob, groupId } = await bobWithNotifications(2); // ids 1..3
  assert.equal((await markRead(bob, { all: true })).status, 204);
  const after = await inbox(bob);
  assert.equal(after.body.unreadCount, 0);
  for (const n of after.body.notifications) assert.match(n.readAt, ISO);

  const more = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
    token: ann.token,
    body: { description: 'More', amount: 10, split: { mode: 'equal', among: [bob.id] } },
  });
  assert.equal(more.status, 201);
  const later = await inbox(bob);
  assert.equal(later.body.unreadCount, 1);
  assert.equal(later.body.notifications[0].id, '4');
  assert.equal(later.body.notifications[0].readAt, null);
  assert.match(later.body.notifications[1].readAt, ISO);

  // Reading an empty inbox is fine too.
  const cat = await register(api.url, 'Cat');
  assert.equal((await markRead(cat, { all: true })).status, 204);
});

test('read {upTo} beyond the newest id → 400 and nothing is marked', async () => {
  const { bob } = await bobWithNotifications(1); // ids 1..2
  expectInvalid(await markRead(bob, { upTo: '3' }), 'upTo');
  expectInvalid(await markRead(bob, { upTo: '9999999999999999' }), 'upTo');
  const after = await inbox(bob);
  assert.equal(after.body.unreadCount, 2);
  assert.ok(after.body.notifications.every((n: { readAt: null }) => n.readAt === null));
});

test('read with a malformed body → 400 and nothing is marked', async () => {
  const { bob } = await bobWithNotifications(1);
  for (const body of [
    {},
    { upTo: 2 },
    { upTo: 'abc' },
    { upTo: '01' },
    { upTo: '-1' },
    { upTo: '1.5' },
    { all: false },
    { all: 'true' },
    { upTo: '1', all: true },
    { everything: true },
    [],
    'all',
  ]) {
    expectProblem(await markRead(bob, body), 400, 'validation');
  }
  expectProblem(await call(api.url, 'POST', '/api/notifications/read', { token: bob.token }), 400, 'validation');
  assert.equal((await inbox(bob)).body.unreadCount, 2);
});

test('list: limit 0, 101, abc and a malformed before → 400', async () => {
  const { bob } = await bobWithNotifications(1);
  for (const limit of ['0', '101', 'abc', '-1', '']) expectInvalid(await inbox(bob, `?limit=${limit}`), 'limit');
  for (const before of ['abc', '-1', '1.5', '0x10']) expectInvalid(await inbox(bob, `?before=${before}`), 'before');
  assert.equal((await inbox(bob, '?limit=1')).body.notifications.length, 1);
  assert.equal((await inbox(bob, '?limit=100')).body.notifications.length, 2);
});

test('each user sees only their own notifications', async () => {
  const { ann, bob } = await bobWithNotifications(2);
  const eve = await register(api.url, 'Eve');
  assert.deepEqual((await inbox(eve)).body.notifications, []);
  assert.deepEqual((await inbox(ann)).body.notifications, []);
  // Eve marking "all" read does not touch Bob's.
  assert.equal((await markRead(eve, { all: true })).status, 204);
  assert.equal((await inbox(bob)).body.unreadCount, 3);
});

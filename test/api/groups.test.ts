// Groups and membership, over real HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, register, type TestUser } from '../support/api.ts';
import { expectInvalid, expectProblem, ISO, notificationsOf, useServer } from './shared.ts';

const api = useServer();

const createGroup = (user: TestUser, body: Record<string, unknown>) => call(api.url, 'POST', '/api/groups', { token: user.token, body });
const getGroup = (user: TestUser, groupId: string) => call(api.url, 'GET', `/api/groups/${groupId}`, { token: user.token });
const listGroups = (user: TestUser) => call(api.url, 'GET', '/api/groups', { token: user.token });
const addMember = (user: TestUser, groupId: string, email: string) =>
  call(api.url, 'POST', `/api/groups/${groupId}/members`, { token: user.token, body: { email } });
const asMember = (u: TestUser) => ({ id: u.id, name: u.name, email: u.email, pending: false });

test('create → 201 {group} with USD by default and the creator as the only member', async () => {
  const ann = await register(api.url, 'Ann');
  const res = await createGroup(ann, { name: 'Flat 3B' });
  assert.equal(res.status, 201);
  const { group } = res.body;
  assert.deepEqual(Object.keys(group).sort(), ['createdAt', 'currency', 'id', 'members', 'name']);
  assert.equal(group.name, 'Flat 3B');
  assert.equal(group.currency, 'USD');
  assert.match(group.createdAt, ISO);
  assert.equal(typeof group.id, 'string');
  assert.deepEqual(group.members, [asMember(ann)]);
  // GET adds the group's change counter (0: nothing has sent group.updated yet).
  assert.deepEqual((await getGroup(ann, group.id)).body, { group: { ...group, version: 0 } });
});

test('create with JPY or KWD keeps the code', async () => {
  const ann = await register(api.url, 'Ann');
  for (const currency of ['JPY', 'KWD', 'EUR']) {
    const res = await createGroup(ann, { name: `In ${currency}`, currency });
    assert.equal(res.status, 201);
    assert.equal(res.body.group.currency, currency);
  }
});

test('create: an unknown or malformed currency, or a missing/blank name → 400 and no group', async () => {
  const ann = await register(api.url, 'Ann');
  expectInvalid(await createGroup(ann, { name: 'X', currency: 'ABC' }), 'currency');
  expectInvalid(await createGroup(ann, { name: 'X', currency: 'XXX' }), 'currency');
  expectInvalid(await createGroup(ann, { name: 'X', currency: 'usd' }), 'currency');
  expectInvalid(await createGroup(ann, { name: 'X', currency: 'USDX' }), 'currency');
  expectInvalid(await createGroup(ann, { name: 'X', currency: 840 }), 'currency');
  expectInvalid(await createGroup(ann, {}), 'name');
  expectInvalid(await createGroup(ann, { name: '  ' }), 'name');
  expectInvalid(await createGroup(ann, { name: 'X', owner: 'me' }), 'owner');
  assert.deepEqual((await listGroups(ann)).body, { groups: [] });
});

test("list → only the caller's groups, including ones they were added to", async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const annsGroup = (await createGroup(ann, { name: 'Ann only' })).body.group;
  const bobsGroup = (await createGroup(bob, { name: 'Bob only' })).body.group;
  const shared = (await createGroup(bob, { name: 'Shared' })).body.group;
  assert.equal((await addMember(bob, shared.id, ann.email)).status, 201);

  const annSees = (await listGroups(ann)).body.groups;
  assert.deepEqual(annSees.map((g: { id: string }) => g.id).sort(), [annsGroup.id, shared.id].sort());
  const sharedSeen = annSees.find((g: { id: string }) => g.id === shared.id);
  assert.deepEqual(sharedSeen.members.map((m: { id: string }) => m.id).sort(), [ann.id, bob.id].sort());

  const bobSees = (await listGroups(bob)).body.groups.map((g: { id: string }) => g.id).sort();
  assert.deepEqual(bobSees, [bobsGroup.id, shared.id].sort());
});

test('get → 404 for a non-member, the same as for a group that does not exist', async () => {
  const ann = await register(api.url, 'Ann');
  const eve = await register(api.url, 'Eve');
  const group = (await createGroup(ann, { name: 'Private' })).body.group;
  const hidden = await getGroup(eve, group.id);
  const missing = await getGroup(eve, '0000000000nonexistent');
  expectProblem(hidden, 404, 'not_found');
  expectProblem(missing, 404, 'not_found');
  assert.equal(hidden.body.detail, missing.body.detail, 'existence is not leaked');
  assert.equal(JSON.stringify(hidden.body).includes('Private'), false);
});

test('add member → 201 {group} with the new member; the email matches case-insensitively', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const group = (await createGroup(ann, { name: 'Trip' })).body.group;
  const res = await addMember(ann, group.id, bob.email.toUpperCase());
  assert.equal(res.status, 201);
  assert.equal(res.body.group.id, group.id);
  assert.deepEqual(res.body.group.members, [asMember(ann), asMember(bob)]);
  // The new member now sees the group.
  assert.deepEqual((await getGroup(bob, group.id)).body.group.members, [asMember(ann), asMember(bob)]);
});

test('add member: already a member → 409, non-member caller → 404, bad email → 400 (an unknown email adds a pending member: members.test.ts)', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const eve = await register(api.url, 'Eve');
  const group = (await createGroup(ann, { name: 'Trip' })).body.group;

  expectProblem(await addMember(ann, group.id, ann.email), 409, 'already_member');
  assert.equal((await addMember(ann, group.id, bob.email)).status, 201);
  expectProblem(await addMember(ann, group.id, bob.email), 409, 'already_member');
  expectProblem(await addMember(ann, group.id, bob.email.toUpperCase()), 409, 'already_member');
  expectProblem(await addMember(eve, group.id, eve.email), 404, 'not_found');
  expectProblem(await addMember(ann, '0000000000nonexistent', bob.email), 404, 'not_found');
  expectInvalid(await addMember(ann, group.id, 'not an email'), 'email');

  const members = (await getGroup(ann, group.id)).body.group.members.map((m: { id: string }) => m.id);
  assert.deepEqual(members, [ann.id, bob.id]);
  expectProblem(await getGroup(eve, group.id), 404);
});

test('the added user gets one group.member_added notification naming the group and the actor', async () => {
  const ann = await register(api.url, 'Ann');
  const bob = await register(api.url, 'Bob');
  const group = (await createGroup(ann, { name: 'Trip' })).body.group;
  assert.deepEqual(await notificationsOf(api.url, bob), []);
  assert.equal((await addMember(ann, group.id, bob.email)).status, 201);
  // A refused second add notifies nobody.
  expectProblem(await addMember(ann, group.id, bob.email), 409);

  const inbox = await notificationsOf(api.url, bob);
  assert.equal(inbox.length, 1);
  const [n] = inbox;
  assert.equal(n.id, '1');
  assert.equal(n.type, 'group.member_added');
  assert.equal(n.readAt, null);
  assert.match(n.createdAt, ISO);
  assert.deepEqual(n.data, { group: { id: group.id, name: 'Trip' }, actor: { id: ann.id, name: ann.name } });
  assert.deepEqual(await notificationsOf(api.url, ann), [], 'the actor is not notified');
});

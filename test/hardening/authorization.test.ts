// The authorization matrix (issue 7): every route × every role → the status it must get, and for every
// answer, that nothing of anyone the caller may not see is in it. Streams included: a user's SSE and
// WebSocket streams carry that user's notifications and nobody else's, whatever resume id is named.
//
// Two separate worlds share the server. Olga's group: Olga (owner of the bills), Rita (receiver, owes a
// part), Max (member, in no bill's split). Sam's group: Sam and Sue, with bills of their own. Each world
// has a marker in its names, so a leak of either is a substring away.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { billFor, call, register, type Res, type TestUser } from '../support/api.ts';
import { openSse, openWs, type StreamClient } from '../support/streams.ts';
import { declaredRoutes } from './declared-routes.ts';
import { loadUnsubscribeTokens, type UnsubscribeTokens } from '../../src/notify/deliveries/keys.ts';
import { preferencesOf } from '../../src/notify/deliveries/preferences.ts';

type Role = 'anonymous' | 'stranger' | 'member' | 'owner' | 'receiver';
const ROLES: Role[] = ['anonymous', 'stranger', 'member', 'owner', 'receiver'];
const PASSWORD = 'correct horse battery';
const OLGA_MARK = 'olga-world-4d1e';
const SAM_MARK = 'sam-world-9b7c';

let server: TestServer;
let olga: TestUser, rita: TestUser, max: TestUser, sam: TestUser, sue: TestUser;
let groupId: string;
let samGroupId: string;
let samBillId: string;
let spare = 0;
let links: UnsubscribeTokens;
/** An https origin on loopback that push endpoints may name (nothing is sent: push is off without VAPID_SUBJECT). */
const PUSH_ORIGIN = 'https://127.0.0.1:9';

before(async () => {
  server = await startTestServer({ PUSH_ALLOWED_ORIGINS: PUSH_ORIGIN });
  links = await loadUnsubscribeTokens(server.store.read);
  [olga, rita, max, sam, sue] = await Promise.all(['Olga', 'Rita', 'Max', 'Sam', 'Sue'].map((n) => register(server.url, n)));
  groupId = await newGroup(olga, [rita, max], `Trip ${OLGA_MARK}`);
  samGroupId = await newGroup(sam, [sue], `Flat ${SAM_MARK}`);
  // Each world has history: bills, a payment, notifications on both sides.
  const samBill = await billFor(server.url, sam, samGroupId, [sue], 4000, `Rent ${SAM_MARK}`);
  samBillId = samBill.id;
  await pay(sue, samBill.id);
  await billFor(server.url, sam, samGroupId, [sue], 1000, `Power ${SAM_MARK}`);
  await pay(rita, (await billFor(server.url, olga, groupId, [rita], 2000, `Taxi ${OLGA_MARK}`)).id);
  await billFor(server.url, olga, groupId, [rita], 3000, `Dinner ${OLGA_MARK}`);
  // Devices and preferences on both sides; each endpoint carries its world's marker.
  for (const [u, mark] of [
    [olga, OLGA_MARK],
    [rita, OLGA_MARK],
    [sam, SAM_MARK],
    [sue, SAM_MARK],
  ] as const)
    await subscribe(u, mark);
  for (const u of [olga, sam])
    assert.equal(
      (
        await call(server.url, 'PUT', '/api/me/notification-preferences', {
          token: u.token,
          body: { preferences: { 'bill.paid': { push: false } } },
        })
      ).status,
      200,
    );
});
after(() => server?.close());

async function newGroup(owner: TestUser, members: TestUser[], name: string) {
  const res = await call(server.url, 'POST', '/api/groups', { token: owner.token, body: { name } });
  assert.equal(res.status, 201);
  for (const m of members)
    assert.equal(
      (await call(server.url, 'POST', `/api/groups/${res.body.group.id}/members`, { token: owner.token, body: { email: m.email } })).status,
      201,
    );
  return res.body.group.id as string;
}

/** A browser's PushSubscription.toJSON(): a fresh endpoint at the allowed origin and real-shaped RFC 8291 keys. */
function device(mark: string) {
  return {
    endpoint: `${PUSH_ORIGIN}/push/${mark}-${randomBytes(8).toString('hex')}`,
    expirationTime: null,
    keys: { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') },
  };
}

async function subscribe(user: TestUser, mark: string) {
  const res = await call(server.url, 'POST', '/api/push/subscriptions', { token: user.token, body: device(mark) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.subscription.id as string;
}

/** What each user has set and owns outside the inbox: preferences, devices, seen position. */
async function ownState(u: TestUser) {
  const read = server.store.read;
  return {
    preferences: preferencesOf(await read.preferencesOf([u.id])),
    devices: (await read.listPushSubscriptions([u.id])).map((d) => d.id).sort(),
    seenUpTo: await read.seenUpTo(u.id),
  };
}

async function pay(user: TestUser, billId: string) {
  const res = await call(server.url, 'POST', `/api/bills/${billId}/pay`, { token: user.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

const userOf = (role: Role): TestUser | undefined =>
  ({ anonymous: undefined, stranger: sam, member: max, owner: olga, receiver: rita })[role];

/** What a role may not see: the other world's ids, emails and marker. Anonymous may see neither. */
function foreignTo(role: Role): string[] {
  const olgaWorld = [groupId, olga.id, rita.id, max.id, olga.email, rita.email, max.email, OLGA_MARK];
  const samWorld = [samGroupId, samBillId, sam.id, sue.id, sam.email, sue.email, SAM_MARK];
  if (role === 'anonymous') return [...olgaWorld, ...samWorld];
  return role === 'stranger' ? olgaWorld : samWorld;
}

function assertNoForeignData(role: Role, what: string, res: Res) {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  for (const token of foreignTo(role))
    assert.ok(!text.includes(token), `${what} as ${role}: the answer contains ${JSON.stringify(token)}: ${text.slice(0, 400)}`);
}

/** A fresh bill of Olga's that Rita owes (Max is in the group but not in the split). */
const freshBill = async () => (await billFor(server.url, olga, groupId, [rita], 1200, `Snack ${OLGA_MARK}`)).id as string;
const freshPayment = async () => {
  const res = await call(server.url, 'POST', `/api/groups/${groupId}/payments`, {
    token: rita.token,
    body: { to: olga.id, amount: 50, note: `Cash ${OLGA_MARK}` },
  });
  assert.equal(res.status, 201);
  return res.body.payment.id as string;
};
const freshUser = () => register(server.url, `Spare${++spare}`);
/** An open invite to Olga's group, made by Olga. */
async function freshInvite() {
  const res = await call(server.url, 'POST', `/api/groups/${groupId}/invites`, { token: olga.token, body: {} });
  assert.equal(res.status, 201);
  return { id: res.body.invite.id as string, token: (res.body.invite.url as string).split('/join/')[1] };
}
/** A pending member of Olga's group, without an address and without any part. */
async function freshPending() {
  const res = await call(server.url, 'POST', `/api/groups/${groupId}/members`, { token: olga.token, body: { name: `Pending${++spare}` } });
  assert.equal(res.status, 201);
  return res.body.group.members.at(-1).id as string;
}

type Row = {
  route: string;
  expect: Record<Role, number>;
  /** Builds the request for one cell; fixtures that a success would use up are made fresh per cell. */
  request: (
    role: Role,
    user: TestUser | undefined,
  ) => Promise<{ method: string; path: string; body?: unknown; headers?: Record<string, string> }>;
  /**
   * The answer may show the group to someone not (yet) in it: an invite link is the credential, and its
   * holder sees the group's name and people (issue 16). The other world must still not appear.
   */
  linkHolder?: boolean;
  /** Extra checks on a success. */
  then?: (role: Role, user: TestUser, res: Res) => Promise<void> | void;
  /** Checks on every answer, refusals included (e.g. that a refused delete deleted nothing). */
  always?: (role: Role, res: Res) => Promise<void> | void;
};

/** The last fresh device of Olga's a DELETE row named, and the fresh account an unsubscribe row's link is for. */
let lastDevice = '';
/** The fresh bill an unpay row's cell named (Rita paid her part just before). */
let lastBill = '';
let linkUser: TestUser | undefined;

const OK_FOR_MEMBERS = (ok: number): Record<Role, number> => ({ anonymous: 401, stranger: 404, member: ok, owner: ok, receiver: ok });
const OK_FOR_ALL = (ok: number): Record<Role, number> => ({ anonymous: 401, stranger: ok, member: ok, owner: ok, receiver: ok });

const ROWS: Row[] = [
  {
    route: 'GET /api/me',
    expect: OK_FOR_ALL(200),
    request: async () => ({ method: 'GET', path: '/api/me' }),
    then: (_r, u, res) => assert.deepEqual(res.body.user, { id: u.id, name: u.name, email: u.email }),
  },
  {
    // Who is signed in: never a 401 (the web app's first request); signed out is {user: null}.
    route: 'GET /api/session',
    expect: { anonymous: 200, stranger: 200, member: 200, owner: 200, receiver: 200 },
    request: async () => ({ method: 'GET', path: '/api/session' }),
    then: (_r, u, res) => assert.deepEqual(res.body, { user: { id: u.id, name: u.name, email: u.email } }),
    always: (role, res) => {
      if (role === 'anonymous') assert.deepEqual(res.body, { user: null });
    },
  },
  {
    route: 'POST /api/auth/logout',
    expect: OK_FOR_ALL(204),
    // Logout ends the session it is sent with; a second session is made so the role keeps its own.
    request: async () => ({ method: 'POST', path: '/api/auth/logout' }),
  },
  {
    route: 'POST /api/auth/logout-all',
    expect: OK_FOR_ALL(204),
    // Ends every session of the caller: run as a fresh account of the role's kind (see below).
    request: async () => ({ method: 'POST', path: '/api/auth/logout-all' }),
    then: async (_role, u) => assert.equal((await call(server.url, 'GET', '/api/me', { token: u.token })).status, 401),
  },
  {
    route: 'POST /api/auth/password',
    expect: OK_FOR_ALL(204),
    request: async () => ({ method: 'POST', path: '/api/auth/password', body: { current: PASSWORD, next: 'a brand new secret' } }),
    then: async (_role, u) =>
      assert.equal((await call(server.url, 'GET', '/api/me', { token: u.token })).status, 200, 'the caller stays signed in'),
  },
  {
    route: 'GET /api/groups',
    expect: OK_FOR_ALL(200),
    request: async () => ({ method: 'GET', path: '/api/groups' }),
    then: (role, u, res) => {
      for (const g of res.body.groups)
        assert.ok(
          g.members.some((m: { id: string }) => m.id === u.id),
          `${role} sees a group it is not in`,
        );
      assert.equal(
        res.body.groups.some((g: { id: string }) => g.id === groupId),
        role !== 'stranger',
      );
    },
  },
  {
    route: 'POST /api/groups',
    expect: OK_FOR_ALL(201),
    request: async () => ({ method: 'POST', path: '/api/groups', body: { name: 'Own' } }),
  },
  {
    route: 'GET /api/groups/:groupId',
    expect: OK_FOR_MEMBERS(200),
    request: async () => ({ method: 'GET', path: `/api/groups/${groupId}` }),
  },
  {
    route: 'POST /api/groups/:groupId/members',
    expect: OK_FOR_MEMBERS(201),
    request: async () => ({ method: 'POST', path: `/api/groups/${groupId}/members`, body: { email: (await freshUser()).email } }),
  },
  {
    route: 'GET /api/groups/:groupId/balances',
    expect: OK_FOR_MEMBERS(200),
    request: async () => ({ method: 'GET', path: `/api/groups/${groupId}/balances` }),
  },
  {
    route: 'GET /api/groups/:groupId/bills',
    expect: OK_FOR_MEMBERS(200),
    request: async () => ({ method: 'GET', path: `/api/groups/${groupId}/bills` }),
  },
  {
    route: 'POST /api/groups/:groupId/bills',
    expect: OK_FOR_MEMBERS(201),
    // The caller splits with a member of the group (for the stranger: a member it cannot see).
    request: async (_role, u) => ({
      method: 'POST',
      path: `/api/groups/${groupId}/bills`,
      body: {
        description: 'Lunch',
        amount: 1000,
        split: { mode: 'equal', among: [u?.id ?? olga.id, u?.id === olga.id ? rita.id : olga.id] },
      },
    }),
  },
  {
    route: 'GET /api/bills/:billId',
    expect: OK_FOR_MEMBERS(200),
    request: async () => ({ method: 'GET', path: `/api/bills/${await freshBill()}` }),
  },
  {
    route: 'POST /api/bills/:billId/pay',
    expect: { anonymous: 401, stranger: 404, member: 403, owner: 403, receiver: 200 },
    request: async () => ({ method: 'POST', path: `/api/bills/${await freshBill()}/pay` }),
  },
  {
    route: 'POST /api/bills/:billId/unpay',
    // Rita has just marked her part paid: only she may take it back; Olga (the owner, no part to pay) and
    // Max (no part) get 403, Sam 404; and a refusal leaves her payment standing.
    expect: { anonymous: 401, stranger: 404, member: 403, owner: 403, receiver: 200 },
    request: async () => {
      lastBill = await freshBill();
      await pay(rita, lastBill);
      return { method: 'POST', path: `/api/bills/${lastBill}/unpay` };
    },
    then: (_role, u, res) => assert.equal(res.body.bill.shares.find((s: { userId: string }) => s.userId === u.id).paidAt, null),
    always: async (role) => {
      const bill = await call(server.url, 'GET', `/api/bills/${lastBill}`, { token: rita.token });
      const paidAt = bill.body.bill.shares.find((s: { userId: string }) => s.userId === rita.id).paidAt;
      assert.equal(paidAt === null, role === 'receiver', `${role}: Rita's part is ${paidAt === null ? 'unpaid' : 'still paid'}`);
    },
  },
  {
    route: 'DELETE /api/bills/:billId',
    expect: { anonymous: 401, stranger: 404, member: 403, owner: 204, receiver: 403 },
    request: async () => ({ method: 'DELETE', path: `/api/bills/${await freshBill()}` }),
  },
  // Issue 16: invite links, leaving and removing, activity.
  {
    route: 'POST /api/groups/:groupId/invites',
    expect: OK_FOR_MEMBERS(201),
    request: async () => ({ method: 'POST', path: `/api/groups/${groupId}/invites`, body: {} }),
  },
  {
    route: 'GET /api/groups/:groupId/invites',
    expect: OK_FOR_MEMBERS(200),
    request: async () => ({ method: 'GET', path: `/api/groups/${groupId}/invites` }),
  },
  {
    route: 'DELETE /api/invites/:inviteId',
    expect: OK_FOR_MEMBERS(204),
    request: async () => ({ method: 'DELETE', path: `/api/invites/${(await freshInvite()).id}` }),
  },
  {
    route: 'GET /api/invites/:token',
    expect: { anonymous: 200, stranger: 200, member: 200, owner: 200, receiver: 200 },
    linkHolder: true,
    request: async () => ({ method: 'GET', path: `/api/invites/${(await freshInvite()).token}` }),
    then: (_role, _u, res) => assert.deepEqual(res.body.group, { id: groupId, name: `Trip ${OLGA_MARK}` }),
  },
  {
    route: 'POST /api/invites/:token/accept',
    // The stranger joins (as a fresh account, so the matrix's stranger stays one); members are already in.
    expect: { anonymous: 401, stranger: 200, member: 409, owner: 409, receiver: 409 },
    linkHolder: true,
    request: async () => ({ method: 'POST', path: `/api/invites/${(await freshInvite()).token}/accept`, body: {} }),
  },
  {
    route: 'DELETE /api/groups/:groupId/members/:userId',
    // Removing a fresh pending member: any member may; leaving is in test/api/members.test.ts.
    expect: OK_FOR_MEMBERS(204),
    request: async () => ({ method: 'DELETE', path: `/api/groups/${groupId}/members/${await freshPending()}` }),
  },
  {
    route: 'GET /api/groups/:groupId/activity',
    expect: OK_FOR_MEMBERS(200),
    request: async () => ({ method: 'GET', path: `/api/groups/${groupId}/activity` }),
  },
  {
    route: 'PATCH /api/bills/:billId',
    expect: { anonymous: 401, stranger: 404, member: 403, owner: 200, receiver: 403 },
    request: async () => ({
      method: 'PATCH',
      path: `/api/bills/${await freshBill()}`,
      body: { notes: 'edited' },
      headers: { 'if-match': '"1"' },
    }),
  },
  {
    route: 'GET /api/bills/:billId/history',
    expect: OK_FOR_MEMBERS(200),
    request: async () => ({ method: 'GET', path: `/api/bills/${await freshBill()}/history` }),
  },
  {
    route: 'POST /api/bills/:billId/remind',
    expect: { anonymous: 401, stranger: 404, member: 403, owner: 202, receiver: 403 },
    request: async () => ({ method: 'POST', path: `/api/bills/${await freshBill()}/remind` }),
  },
  {
    route: 'GET /api/groups/:groupId/payments',
    expect: OK_FOR_MEMBERS(200),
    request: async () => ({ method: 'GET', path: `/api/groups/${groupId}/payments` }),
  },
  {
    route: 'POST /api/groups/:groupId/payments',
    // To Olga from anyone else in the group; Olga herself pays Rita.
    expect: OK_FOR_MEMBERS(201),
    request: async (_role, u) => ({
      method: 'POST',
      path: `/api/groups/${groupId}/payments`,
      body: { to: u?.id === olga.id ? rita.id : olga.id, amount: 100 },
    }),
  },
  {
    route: 'POST /api/payments/:paymentId/confirm',
    // Rita pays Olga: only Olga, the payee, may confirm.
    expect: { anonymous: 401, stranger: 404, member: 403, owner: 200, receiver: 403 },
    request: async () => ({ method: 'POST', path: `/api/payments/${await freshPayment()}/confirm` }),
  },
  {
    route: 'POST /api/payments/:paymentId/dispute',
    expect: { anonymous: 401, stranger: 404, member: 403, owner: 200, receiver: 403 },
    request: async () => ({ method: 'POST', path: `/api/payments/${await freshPayment()}/dispute` }),
  },
  {
    route: 'GET /api/notifications',
    expect: OK_FOR_ALL(200),
    request: async () => ({ method: 'GET', path: '/api/notifications?limit=100' }),
    then: async (_role, u, res) => {
      // Exactly the caller's own rows, as stored.
      const own = (await server.store.read.listNotifications(u.id, 100, undefined)).map((n) => ({
        id: String(n.id),
        type: n.type,
        data: JSON.parse(n.data),
      }));
      assert.deepEqual(
        res.body.notifications.map((n: { id: string; type: string; data: unknown }) => ({ id: n.id, type: n.type, data: n.data })),
        own,
      );
    },
  },
  {
    route: 'POST /api/notifications/read',
    expect: OK_FOR_ALL(204),
    request: async () => ({ method: 'POST', path: '/api/notifications/read', body: { all: true } }),
  },
  // Issue 14: offline channels. Devices, preferences and the seen mark are the caller's own: no role sees
  // or touches anyone else's (the loop below also checks that no one else's changed).
  {
    route: 'GET /api/push/public-key',
    // Public: a browser needs it before it can subscribe; it is the deployment's, not a user's.
    expect: { anonymous: 200, stranger: 200, member: 200, owner: 200, receiver: 200 },
    request: async () => ({ method: 'GET', path: '/api/push/public-key' }),
    always: (_role, res) => assert.equal(Buffer.from(res.body.publicKey, 'base64url').length, 65),
  },
  {
    route: 'POST /api/push/subscriptions',
    expect: OK_FOR_ALL(201),
    request: async (role) => ({ method: 'POST', path: '/api/push/subscriptions', body: device(role) }),
    then: async (_role, u, res) => {
      const mine = (await server.store.read.listPushSubscriptions([u.id])).map((d) => d.id);
      assert.ok(mine.includes(res.body.subscription.id), "the device is stored as the caller's");
    },
  },
  {
    route: 'GET /api/push/subscriptions',
    expect: OK_FOR_ALL(200),
    request: async () => ({ method: 'GET', path: '/api/push/subscriptions' }),
    then: async (_role, u, res) => {
      const own = (await server.store.read.listPushSubscriptions([u.id])).map((d) => ({ id: d.id, endpoint: d.endpoint }));
      assert.deepEqual(
        res.body.subscriptions
          .map((d: { id: string; endpoint: string }) => ({ id: d.id, endpoint: d.endpoint }))
          .sort((a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id)),
        own.sort((a, b) => a.id.localeCompare(b.id)),
      );
    },
  },
  {
    route: 'DELETE /api/push/subscriptions/:id',
    // A fresh device of Olga's: only Olga may remove it; to anyone else it does not exist (404, not 403).
    expect: { anonymous: 401, stranger: 404, member: 404, owner: 204, receiver: 404 },
    request: async () => ({ method: 'DELETE', path: `/api/push/subscriptions/${(lastDevice = await subscribe(olga, OLGA_MARK))}` }),
    always: async (role) => {
      const still = (await server.store.read.listPushSubscriptions([olga.id])).some((d) => d.id === lastDevice);
      assert.equal(still, role !== 'owner', `${role}: Olga's device ${still ? 'is still there' : 'is gone'}`);
    },
  },
  {
    route: 'GET /api/me/notification-preferences',
    expect: OK_FOR_ALL(200),
    request: async () => ({ method: 'GET', path: '/api/me/notification-preferences' }),
    // Exactly the caller's own (Olga and Sam turned bill.paid push off; the others have the defaults).
    then: async (_role, u, res) => assert.deepEqual(res.body.preferences, preferencesOf(await server.store.read.preferencesOf([u.id]))),
  },
  {
    route: 'PUT /api/me/notification-preferences',
    expect: OK_FOR_ALL(200),
    request: async () => ({
      method: 'PUT',
      path: '/api/me/notification-preferences',
      body: { preferences: { 'group.member_added': { email: true } } },
    }),
    then: async (_role, u, res) => {
      assert.equal(res.body.preferences['group.member_added'].email, true);
      assert.deepEqual(res.body.preferences, preferencesOf(await server.store.read.preferencesOf([u.id])));
    },
  },
  {
    route: 'POST /api/notifications/seen',
    expect: OK_FOR_ALL(204),
    request: async () => ({ method: 'POST', path: '/api/notifications/seen', body: { all: true } }),
    then: async (_role, u) =>
      assert.equal(await server.store.read.seenUpTo(u.id), (await server.store.read.notificationState(u.id)).lastId),
  },
  // The email's unsubscribe link: the signed token is the credential (RFC 8058: the mail provider POSTs
  // without a session), so any caller holding it gets the same answer and a session changes nothing. Each
  // cell's link is a fresh account's, so the page can name no one of either world.
  {
    route: 'GET /unsubscribe/:token',
    expect: { anonymous: 200, stranger: 200, member: 200, owner: 200, receiver: 200 },
    request: async () => ({ method: 'GET', path: `/unsubscribe/${links.sign((linkUser = await freshUser()).id)}` }),
    always: async () => assert.deepEqual((await ownState(linkUser!)).preferences, preferencesOf([]), 'GET changed the preferences'),
  },
  {
    route: 'POST /unsubscribe/:token',
    expect: { anonymous: 200, stranger: 200, member: 200, owner: 200, receiver: 200 },
    request: async () => ({ method: 'POST', path: `/unsubscribe/${links.sign((linkUser = await freshUser()).id)}` }),
    always: async () => {
      const prefs = (await ownState(linkUser!)).preferences;
      assert.ok(
        Object.values(prefs).every((c) => c.email === false),
        `the link's owner still gets email: ${JSON.stringify(prefs)}`,
      );
    },
  },
];

test('every route × every role gets the status it must, and nothing of the other world', { timeout: 60_000 }, async (t) => {
  for (const row of ROWS) {
    await t.test(row.route, async () => {
      for (const role of ROLES) {
        let user = userOf(role);
        if (user && row.route === 'POST /api/auth/logout') {
          const login = await call(server.url, 'POST', '/api/auth/login', { body: { email: user.email, password: PASSWORD } });
          user = { ...user, token: login.body.token };
        }
        // These end the account's other sessions (or all): a fresh account keeps the role's own intact.
        if (user && (row.route === 'POST /api/auth/logout-all' || row.route === 'POST /api/auth/password')) user = await freshUser();
        if (role === 'stranger' && row.route === 'POST /api/invites/:token/accept') user = await freshUser();
        // Others' read positions, to see that a read by this role moved only its own.
        const others = [olga, rita, max, sam, sue].filter((u) => u.id !== user?.id);
        // Built first: a fixture it makes (a fresh device of Olga's) is part of the state compared below.
        const req = await row.request(role, user);
        const readBefore = await Promise.all(others.map((u) => server.store.read.notificationState(u.id)));
        const ownBefore = await Promise.all(others.map(ownState));
        const res = await call(server.url, req.method, req.path, { token: user?.token, body: req.body, headers: req.headers });
        const what = `${req.method} ${req.path}`;
        assert.equal(res.status, row.expect[role], `${what} as ${role}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        // A link holder may see Olga's world (the link shows it); never Sam's.
        assertNoForeignData(row.linkHolder ? 'member' : role, what, res);
        if (res.status < 300 && user) await row.then?.(role, user, res);
        assert.deepEqual(
          await Promise.all(others.map((u) => server.store.read.notificationState(u.id))).then((s) => s.map((x) => x.readUpTo)),
          readBefore.map((x) => x.readUpTo),
          `${what} as ${role} moved someone else's read position`,
        );
        assert.deepEqual(
          await Promise.all(others.map(ownState)),
          ownBefore,
          `${what} as ${role} changed someone else's preferences, devices or seen mark`,
        );
        await row.always?.(role, res);
        if (row.route === 'POST /api/auth/logout' && userOf(role)) {
          // Only the session the request came with ended.
          assert.equal((await call(server.url, 'GET', '/api/me', { token: userOf(role)!.token })).status, 200);
          assert.equal((await call(server.url, 'GET', '/api/me', { token: user!.token })).status, 401);
        }
      }
    });
  }
});

test('the matrix has a row for every declared route', { timeout: 10_000 }, () => {
  // Open to anyone by contract (issue 2): sign-up, sign-in, health and the OpenAPI document; /metrics is
  // restricted by address (loopback), not by user. The streams have their own tests below.
  const covered = new Set([
    ...ROWS.map((r) => r.route),
    'POST /api/auth/register',
    'POST /api/auth/login',
    'GET /api/notifications/stream',
    'GET /api/notifications/ws',
    'GET /healthz',
    'GET /api/openapi.json',
    'GET /metrics',
  ]);
  assert.deepEqual(
    declaredRoutes().filter((r) => !covered.has(r)),
    [],
    'routes missing from the authorization matrix',
  );
});

test("a stranger's 404 says no more than a missing id's: existence is not leaked", { timeout: 60_000 }, async () => {
  const bill = await freshBill();
  const pairs: [string, string, string][] = [
    ['GET', `/api/groups/${groupId}`, '/api/groups/0000000000zzzzzzzzzz'],
    ['GET', `/api/groups/${groupId}/bills`, '/api/groups/0000000000zzzzzzzzzz/bills'],
    ['GET', `/api/groups/${groupId}/balances`, '/api/groups/0000000000zzzzzzzzzz/balances'],
    ['GET', `/api/bills/${bill}`, '/api/bills/0000000000zzzzzzzzzz'],
    ['POST', `/api/bills/${bill}/pay`, '/api/bills/0000000000zzzzzzzzzz/pay'],
    ['POST', `/api/bills/${bill}/unpay`, '/api/bills/0000000000zzzzzzzzzz/unpay'],
    ['DELETE', `/api/bills/${bill}`, '/api/bills/0000000000zzzzzzzzzz'],
  ];
  // Olga's device, and unsubscribe links that are not Olga's: hers with another signature, Sam's signature
  // on her id, her id unsigned; each says what a link for nobody says.
  const olgaDevice = await subscribe(olga, OLGA_MARK);
  const [, samMac] = links.sign(sam.id).split('.');
  const forged = [`${olga.id}.${randomBytes(32).toString('base64url')}`, `${olga.id}.${samMac}`, olga.id];
  pairs.push(['DELETE', `/api/push/subscriptions/${olgaDevice}`, '/api/push/subscriptions/0000000000zzzzzzzzzz']);
  for (const token of forged)
    pairs.push([
      'POST',
      `/unsubscribe/${token}`,
      `/unsubscribe/${links.sign('0000000000zzzzzzzzzz').split('.')[0]}.${randomBytes(32).toString('base64url')}`,
    ]);
  for (const [method, real, missing] of pairs) {
    const a = await call(server.url, method, real, { token: sam.token });
    const b = await call(server.url, method, missing, { token: sam.token });
    assert.equal(a.status, 404);
    assert.deepEqual(a.body, b.body, `${method} ${real}`);
  }
  // None of it took: Olga's device is there, and she still gets email.
  assert.ok((await server.store.read.listPushSubscriptions([olga.id])).some((d) => d.id === olgaDevice));
  assert.ok(Object.values((await ownState(olga)).preferences).some((c) => c.email));
  // A deleted bill is gone for its own members too, in the same words.
  const gone = await freshBill();
  assert.equal((await call(server.url, 'DELETE', `/api/bills/${gone}`, { token: olga.token })).status, 204);
  const after = await call(server.url, 'GET', `/api/bills/${gone}`, { token: rita.token });
  assert.deepEqual(after.body, (await call(server.url, 'GET', '/api/bills/0000000000zzzzzzzzzz', { token: rita.token })).body);
});

test('streams refuse the anonymous and a session that ended', { timeout: 60_000 }, async () => {
  const sse = await fetch(`${server.url}/api/notifications/stream`, { signal: AbortSignal.timeout(5000) });
  assert.equal(sse.status, 401);
  assert.match(sse.headers.get('content-type') ?? '', /^application\/problem\+json/);
  await sse.body?.cancel();
  const ws = openWs(server.url, undefined);
  await assert.rejects(ws.opened, /401/);
  const login = await call(server.url, 'POST', '/api/auth/login', { body: { email: rita.email, password: PASSWORD } });
  assert.equal((await call(server.url, 'POST', '/api/auth/logout', { token: login.body.token })).status, 204);
  const ended = await fetch(`${server.url}/api/notifications/stream`, {
    headers: { authorization: `Bearer ${login.body.token}` },
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(ended.status, 401);
  await ended.body?.cancel();
  await assert.rejects(openWs(server.url, login.body.token).opened, /401/);
  assert.equal(server.hub.stats().subscribers, 0);
});

// ---------------------------------------------------------------------------------------------
// Streams

/** A user's stored notifications after `afterId`, as the stream carries them. */
async function storedAfter(user: TestUser, afterId: number) {
  return (await server.store.read.notificationsAfter(user.id, afterId, 10_000)).map((n) => ({
    id: String(n.id),
    type: n.type,
    data: JSON.parse(n.data) as unknown,
  }));
}

const received = (s: StreamClient) =>
  s.notifications().map((r) => ({ id: r.data.id as string, type: r.data.type as string, data: r.data.data as unknown }));

type Opened = { user: TestUser; transport: 'sse' | 'ws'; from: number; forged: string; stream: StreamClient };

function open(
  user: TestUser,
  transport: 'sse' | 'ws',
  opts: { lastEventId?: string; query?: string; headers?: Record<string, string> },
): StreamClient {
  return transport === 'sse' ? openSse(server.url, user.token, opts) : openWs(server.url, user.token, opts);
}

test("streams carry only the caller's notifications, whatever resume id is forged or guessed", { timeout: 60_000 }, async (t) => {
  const everyone = [olga, rita, max, sam, sue];
  const lastIds = new Map(
    await Promise.all(everyone.map(async (u) => [u.id, (await server.store.read.notificationState(u.id)).lastId] as const)),
  );
  const opened: Opened[] = [];
  for (const user of everyone) {
    const others = everyone.filter((u) => u.id !== user.id);
    const otherLast = Math.max(...others.map((o) => lastIds.get(o.id)!));
    const own = lastIds.get(user.id)!;
    // Resume positions a client might forge: everything, another user's newest id, another user's id in the
    // query with the header naming 0, ids of the form other-user:n, and user-switching query parameters.
    const variants: { from: number; forged: string; opts: { lastEventId?: string; query?: string; headers?: Record<string, string> } }[] = [
      { from: 0, forged: 'lastEventId 0', opts: { lastEventId: '0' } },
      { from: Math.min(otherLast, own), forged: `another user's newest id (${otherLast})`, opts: { lastEventId: String(otherLast) } },
      { from: 0, forged: 'header 0 beats a query id', opts: { lastEventId: '0', query: `?lastEventId=${otherLast}` } },
      {
        from: 0,
        forged: 'user-switching parameters',
        opts: { query: `?lastEventId=0&userId=${others[0].id}&user=${others[0].id}&as=${others[0].id}` },
      },
      {
        from: 0,
        forged: 'another user id in headers',
        opts: { lastEventId: '0', headers: { 'x-user-id': others[0].id, 'x-forwarded-user': others[0].id } },
      },
    ];
    for (const transport of ['sse', 'ws'] as const) {
      for (const v of variants) opened.push({ user, transport, from: v.from, forged: v.forged, stream: open(user, transport, v.opts) });
    }
  }
  t.after(() => opened.forEach((o) => o.stream.close()));
  await Promise.all(opened.map((o) => o.stream.opened));

  // Replays: exactly the user's own rows after the named position (another user's newest id, when ahead
  // of the user's own, is a reset to the user's own newest id, never to anyone else's).
  for (const o of opened) {
    const own = lastIds.get(o.user.id)!;
    const expected = await storedAfter(o.user, Math.min(o.from, own));
    await o.stream.waitFor(expected.length);
    const resets = o.stream.received.filter((r) => r.event === 'reset');
    if (o.forged.startsWith("another user's newest") && Number(o.forged.match(/\((\d+)\)/)![1]) > own) {
      assert.deepEqual(
        resets.map((r) => r.data),
        [{ type: 'reset', id: String(own) }],
        `${o.user.name} ${o.transport} ${o.forged}`,
      );
    } else {
      assert.equal(resets.length, 0, `${o.user.name} ${o.transport} ${o.forged}: unexpected reset`);
    }
  }

  // Live: both worlds busy at once: bills, payments, a deletion, a new member.
  const newcomer = await freshUser();
  const b1 = await billFor(server.url, olga, groupId, [rita, max], 900, `Live ${OLGA_MARK}`);
  const s1 = await billFor(server.url, sam, samGroupId, [sue], 700, `Live ${SAM_MARK}`);
  await pay(rita, b1.id);
  await pay(sue, s1.id);
  const b2 = await billFor(server.url, olga, groupId, [max], 500, `Gone ${OLGA_MARK}`);
  assert.equal((await call(server.url, 'DELETE', `/api/bills/${b2.id}`, { token: olga.token })).status, 204);
  assert.equal(
    (await call(server.url, 'POST', `/api/groups/${samGroupId}/members`, { token: sam.token, body: { email: newcomer.email } })).status,
    201,
  );
  await billFor(server.url, rita, groupId, [olga], 300, `Back ${OLGA_MARK}`);

  for (const o of opened) {
    const own = lastIds.get(o.user.id)!;
    const expected = await storedAfter(o.user, Math.min(o.from, own));
    await o.stream.waitFor(expected.length, undefined, 10_000);
  }
  // Anything foreign would have come with the rest; give it a moment to show up.
  await new Promise((r) => setTimeout(r, 300));
  const groupsOf = (u: TestUser) => new Set(u === sam || u === sue ? [samGroupId] : [groupId]);
  for (const o of opened) {
    const what = `${o.user.name} ${o.transport} (${o.forged})`;
    const own = lastIds.get(o.user.id)!;
    assert.deepEqual(
      received(o.stream),
      await storedAfter(o.user, Math.min(o.from, own)),
      `${what}: not exactly the user's own notifications`,
    );
    const text = JSON.stringify(o.stream.received);
    const foreign = o.user === sam || o.user === sue ? foreignTo('stranger') : foreignTo('owner');
    for (const token of foreign) assert.ok(!text.includes(token), `${what} carried ${token}`);
    for (const r of o.stream.received.filter((x) => x.event === 'group.updated'))
      assert.ok(groupsOf(o.user).has(r.data.groupId), `${what}: group.updated for ${r.data.groupId}`);
  }
});

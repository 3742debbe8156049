// One contract for every Store: the same tests run against SQLite and PostgreSQL (as Kysely's tests loop
// over dialects), so the two cannot drift apart. PostgreSQL-only parts (concurrency) follow; the NOTIFY bus
// built on the store's notify() is tested in test/notify/postgres-bus.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { BillRow, NotificationRow, Store, UserWithPassword } from '../../src/store/store.ts';
import { newId } from '../../src/domain/ids.ts';
import { createTestDatabase, postgresRequired, postgresUnavailable } from '../support/postgres.ts';
import { makeTempDir } from '../support/temp-dir.ts';

type Harness = {
  store: Store;
  url: string;
  /** Another Store on the same database: another instance, with its own connection or pool. */
  another(): Promise<Store>;
  cleanup(): Promise<void>;
};
type Dialect = { name: Store['dialect']; skip: string | false; open(): Promise<Harness> };

const pgDown = await postgresUnavailable();
if (pgDown && postgresRequired) {
  test('PostgreSQL is reachable (required under CI=true)', () => assert.fail(pgDown));
}

const dialects: Dialect[] = [
  {
    name: 'sqlite',
    skip: false,
    async open() {
      const dir = makeTempDir('chipin-store-');
      const path = join(dir.path, 'chipin.db');
      const opened: Store[] = [openSqliteStore(path, { synchronous: 'normal' })];
      return {
        store: opened[0],
        url: path,
        another: async () => {
          opened.push(openSqliteStore(path, { synchronous: 'normal' }));
          return opened.at(-1)!;
        },
        async cleanup() {
          for (const s of opened) await s.close();
          dir.remove();
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: pgDown ? `skipped: ${pgDown}` : false,
    async open() {
      const db = await createTestDatabase();
      const opened: Store[] = [];
      try {
        opened.push(await openPostgresStore(db.url));
      } catch (e) {
        await db.drop();
        throw e;
      }
      return {
        store: opened[0],
        url: db.url,
        another: async () => {
          opened.push(await openPostgresStore(db.url));
          return opened.at(-1)!;
        },
        async cleanup() {
          for (const s of opened) await s.close();
          await db.drop();
        },
      };
    },
  },
];

// Tiny builders: every test makes its own rows, so tests share one database without seeing each other.
let seq = 0;
const iso = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms).toISOString();
function aUser(over: Partial<UserWithPassword> = {}): UserWithPassword {
  const n = ++seq;
  return {
    id: newId(),
    name: `User ${n}`,
    email: `user${n}.${process.pid}@Example.test`,
    passwordHash: 'hash',
    createdAt: iso(n),
    ...over,
  };
}
function aBill(groupId: string, ownerId: string, others: string[], over: Partial<BillRow> = {}): BillRow {
  const createdAt = iso(++seq);
  return {
    id: newId(),
    groupId,
    ownerId,
    description: 'Dinner',
    amount: 3000,
    currency: 'EUR',
    createdAt,
    deletedAt: null,
    version: 1,
    date: createdAt.slice(0, 10),
    notes: '',
    shares: [ownerId, ...others].map((userId, i) => ({
      userId,
      amount: i === 0 ? 1000 : 2000 / others.length,
      paidAt: i === 0 ? createdAt : null,
    })),
    ...over,
  };
}

for (const dialect of dialects) {
  describe(`store contract: ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: Harness;
    let store: Store;
    before(async () => {
      h = await dialect.open();
      store = h.store;
    });
    after(() => h?.cleanup());

    async function users(count: number) {
      const list = Array.from({ length: count }, () => aUser());
      for (const u of list) assert.equal(await store.read.insertUser(u), true);
      return list;
    }
    async function groupOf(members: UserWithPassword[]) {
      const g = { id: newId(), name: 'Trip', currency: 'EUR', createdAt: iso(++seq) };
      await store.transaction(async (tx) => {
        await tx.insertGroup(g, members[0].id);
        for (const [i, m] of members.entries()) await tx.addMember(g.id, m.id, iso(seq + i));
      });
      return g;
    }

    test('reports its dialect', () => assert.equal(store.dialect, dialect.name));

    test('users: insert, find by email case-insensitively, a duplicate email is refused', async () => {
      const u = aUser({ email: `Mixed.Case.${seq}@Example.test` });
      assert.equal(await store.read.insertUser(u), true);
      assert.equal(await store.read.insertUser(aUser({ email: u.email.toUpperCase() })), false);
      // An account is not a pending member (issue 16: pending rows come from addPendingMember only).
      assert.deepEqual(await store.read.findUserByEmail(u.email.toLowerCase()), { ...u, pending: false });
      const { passwordHash: _, ...row } = u;
      assert.deepEqual(await store.read.getUser(u.id), row);
      assert.equal(await store.read.getUser('nobody'), undefined);
      assert.equal(await store.read.findUserByEmail('nobody@example.test'), undefined);
    });

    test('sessions: valid until expiry, gone once deleted', async () => {
      const [u] = await users(1);
      const { passwordHash: _, ...row } = u;
      await store.read.insertSession(`tok-${u.id}`, u.id, iso(0), iso(1000));
      assert.deepEqual(await store.read.sessionUser(`tok-${u.id}`, iso(999)), row);
      assert.equal(await store.read.sessionUser(`tok-${u.id}`, iso(1000)), undefined, 'expired at expires_at');
      await store.read.deleteSession(`tok-${u.id}`);
      assert.equal(await store.read.sessionUser(`tok-${u.id}`, iso(0)), undefined);
    });

    test('groups: members in join order, once each; groups of a user newest first', async () => {
      const [a, b, c] = await users(3);
      const g1 = await groupOf([a, b]);
      const g2 = await groupOf([a]);
      assert.equal(await store.read.addMember(g2.id, c.id, iso(++seq)), true);
      assert.equal(await store.read.addMember(g2.id, c.id, iso(++seq)), false);
      assert.deepEqual(await store.read.getGroup(g1.id), g1);
      assert.equal(await store.read.getGroup('none'), undefined);
      assert.deepEqual(
        (await store.read.listMembers(g1.id)).map((m) => m.id),
        [a.id, b.id],
      );
      assert.deepEqual(
        await store.read.listMembers(g2.id),
        [a, c].map((u) => ({ id: u.id, name: u.name, email: u.email, pending: false })),
      );
      assert.equal(await store.read.isMember(g1.id, b.id), true);
      assert.equal(await store.read.isMember(g1.id, c.id), false);
      assert.deepEqual(
        (await store.read.listGroupsOf(a.id)).map((g) => g.id),
        [g2.id, g1.id],
      );
      assert.deepEqual(await store.read.listGroupsOf(c.id), [g2]);
    });

    test('bills: stored with their shares, numbers come back as numbers', async () => {
      const [a, b, c] = await users(3);
      const g = await groupOf([a, b, c]);
      const bill = aBill(g.id, a.id, [b.id, c.id], { amount: 9_007_199_254_740_000 });
      await store.transaction((tx) => tx.insertBill(bill));
      assert.deepEqual(await store.read.getBill(bill.id), bill);
      assert.equal(await store.read.getBill('none'), undefined);
    });

    test('bills: newest first by id, paged with an exclusive beforeId, in byte order like SQLite', async () => {
      const [a, b] = await users(2);
      const g = await groupOf([a, b]);
      // Mixed case and punctuation: a locale collation would sort these differently from byte order.
      const ids = ['0a', 'A1', 'B_', 'Z9', '_b', 'a0', 'b', '~x'].map((s) => `${g.id}-${s}`);
      for (const id of ids) await store.transaction((tx) => tx.insertBill(aBill(g.id, a.id, [b.id], { id })));
      const deleted = `${g.id}-Y`;
      await store.transaction((tx) => tx.insertBill(aBill(g.id, a.id, [b.id], { id: deleted })));
      assert.equal(await store.read.markBillDeleted(deleted, iso(++seq)), true);
      assert.equal(await store.read.markBillDeleted(deleted, iso(++seq)), false);

      const newest = [...ids].reverse();
      const pages: string[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await store.read.listBills(g.id, 3, cursor);
        if (page.length === 0) break;
        pages.push(page.map((r) => r.id));
        cursor = page.at(-1)!.id;
      }
      assert.deepEqual(pages, [newest.slice(0, 3), newest.slice(3, 6), newest.slice(6)]);
      const [first] = await store.read.listBills(g.id, 1, undefined);
      assert.equal(first.shares.length, 2);
      assert.equal((await store.read.getBill(deleted))!.deletedAt !== null, true);
    });

    test('bills: a share is marked paid only once', async () => {
      const [a, b] = await users(2);
      const g = await groupOf([a, b]);
      const bill = aBill(g.id, a.id, [b.id]);
      await store.transaction((tx) => tx.insertBill(bill));
      assert.equal(await store.read.markSharePaid(bill.id, b.id, iso(5)), true);
      assert.equal(await store.read.markSharePaid(bill.id, b.id, iso(6)), false);
      assert.equal(await store.read.markSharePaid(bill.id, a.id, iso(6)), false, 'the owner paid at creation');
      assert.equal((await store.read.getBill(bill.id))!.shares[1].paidAt, iso(5));
    });

    test('debts: addDebt accumulates per ordered pair; settled pairs are not listed', async () => {
      const [a, b, c] = await users(3);
      const g = await groupOf([a, b, c]);
      await store.read.addDebt(g.id, b.id, a.id, 1500);
      await store.read.addDebt(g.id, b.id, a.id, 500);
      await store.read.addDebt(g.id, c.id, a.id, 700);
      await store.read.addDebt(g.id, c.id, a.id, -700);
      await store.read.addDebt(g.id, a.id, b.id, 100);
      const expected = [
        { debtorId: b.id, creditorId: a.id, amount: 2000 },
        { debtorId: a.id, creditorId: b.id, amount: 100 },
      ].sort((x, y) => (x.debtorId < y.debtorId ? -1 : 1));
      assert.deepEqual(await store.read.listDebts(g.id), expected);
    });

    test('debts: addDebts writes several pairs in one call, a pair named twice adding up', async () => {
      const [a, b, c] = await users(3);
      const g = await groupOf([a, b, c]);
      await store.read.addDebt(g.id, b.id, a.id, 100);
      await store.transaction((tx) =>
        tx.addDebts(g.id, [
          { debtorId: b.id, creditorId: a.id, delta: 1000 },
          { debtorId: c.id, creditorId: a.id, delta: 500 },
          { debtorId: b.id, creditorId: a.id, delta: 1 },
        ]),
      );
      await store.transaction((tx) => tx.addDebts(g.id, []));
      const expected = [
        { debtorId: b.id, creditorId: a.id, amount: 1101 },
        { debtorId: c.id, creditorId: a.id, amount: 500 },
      ].sort((x, y) => (x.debtorId < y.debtorId ? -1 : 1));
      assert.deepEqual(await store.read.listDebts(g.id), expected);
    });

    test("lockGroupForBill: the group, its members' ids and its debts' total, with the group locked; undefined for no group", async () => {
      const [a, b, c] = await users(3);
      const g = await groupOf([a, c, b]);
      const found = await store.transaction((tx) => tx.lockGroupForBill(g.id));
      assert.deepEqual(
        { ...found!, memberIds: found!.memberIds.toSorted() },
        { group: g, memberIds: [a.id, b.id, c.id].toSorted(), debtTotal: 0 },
      );
      await store.read.addDebt(g.id, b.id, a.id, 250);
      await store.read.addDebt(g.id, c.id, a.id, 50);
      assert.equal((await store.transaction((tx) => tx.lockGroupForBill(g.id)))!.debtTotal, 300);
      // A quote in the id stays inside its literal (PostgreSQL sends this one as text, not as a parameter).
      assert.equal(await store.transaction((tx) => tx.lockGroupForBill("no-such-group'; SELECT 1")), undefined);
    });

    test('transaction opened by lockGroupForBill (BEGIN rides it on PostgreSQL): later writes commit with it, or roll back with it', async () => {
      const [a, b, c] = await users(3);
      const g = await groupOf([a]);
      await store.transaction(async (tx) => {
        await tx.lockGroupForBill(g.id);
        await tx.addMember(g.id, b.id, iso(1));
      });
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.lockGroupForBill(g.id);
          await tx.addMember(g.id, c.id, iso(2));
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.deepEqual(
        (await store.read.listMembers(g.id)).map((m) => m.id),
        [a.id, b.id],
      );
    });

    test("activity: ids per group from 1, the group's version left alone; undefined for no group", async () => {
      const [a] = await users(1);
      const g = await groupOf([a]);
      const v0 = await store.read.groupVersion(g.id);
      assert.deepEqual(await store.transaction((tx) => tx.appendActivity(g.id, a.id, 'bill.created', iso(1), '{}')), { id: 1 });
      assert.deepEqual(await store.transaction((tx) => tx.appendActivity(g.id, a.id, 'bill.paid', iso(2), '{"n":2}')), { id: 2 });
      assert.equal(await store.read.groupVersion(g.id), v0);
      assert.deepEqual(
        (await store.read.listActivity(g.id, 10, undefined)).map((r) => [r.id, r.type, r.data]),
        [
          [2, 'bill.paid', '{"n":2}'],
          [1, 'bill.created', '{}'],
        ],
      );
      assert.equal(await store.transaction((tx) => tx.appendActivity('no-such-group', a.id, 'bill.created', iso(3), '{}')), undefined);
    });

    test('bills: insertBill stores the bill, its shares and its debts together (one statement on PostgreSQL); a failure stores none', async () => {
      const [a, b, c] = await users(3);
      const g = await groupOf([a, b, c]);
      await store.read.addDebt(g.id, b.id, a.id, 7);
      const row = aBill(g.id, a.id, [b.id, c.id]);
      await store.transaction((tx) =>
        tx.insertBill(row, [
          { debtorId: b.id, creditorId: a.id, delta: 1000 },
          { debtorId: c.id, creditorId: a.id, delta: 1000 },
          { debtorId: b.id, creditorId: a.id, delta: 1 },
        ]),
      );
      assert.deepEqual(await store.read.getBill(row.id), row, 'shares in order, paid state kept');
      const expected = [
        { debtorId: b.id, creditorId: a.id, amount: 1008 },
        { debtorId: c.id, creditorId: a.id, amount: 1000 },
      ].sort((x, y) => (x.debtorId < y.debtorId ? -1 : 1));
      assert.deepEqual(await store.read.listDebts(g.id), expected);

      const plain = aBill(g.id, a.id, [b.id]);
      await store.transaction((tx) => tx.insertBill(plain));
      assert.deepEqual(await store.read.getBill(plain.id), plain, 'no debts: the bill and its shares alone');

      // A share naming no user breaks a foreign key: nothing of the bill, its shares or its debts is left.
      const broken = aBill(g.id, a.id, [`nobody-${newId()}`]);
      await assert.rejects(store.transaction((tx) => tx.insertBill(broken, [{ debtorId: c.id, creditorId: a.id, delta: 5 }])));
      assert.equal(await store.read.getBill(broken.id), undefined);
      assert.deepEqual(await store.read.listDebts(g.id), expected);
    });

    test("bills: insertBillWithActivity adds the group's next event and version and the notifications to insertBill's rows; a failure stores none of them", async () => {
      const [a, b, c] = await users(3);
      const g = await groupOf([a, b, c]);
      await store.transaction((tx) => tx.appendActivity(g.id, a.id, 'member.added', iso(1), '{}'));
      await store.transaction((tx) => tx.appendNotification(c.id, 't', iso(1), '{}'));
      const v0 = await store.read.groupVersion(g.id);
      const row = aBill(g.id, a.id, [b.id]);
      const event = { actorId: a.id, type: 'bill.created', createdAt: iso(2), data: '{"bill":1}' };
      // Out of user-id order, and two for one user: ids per user in the order given, rows in that order.
      const notes = [
        { userId: c.id, type: 'bill.created', createdAt: iso(2), data: '{"n":1}' },
        { userId: b.id, type: 'bill.created', createdAt: iso(2), data: '{"n":2}' },
        { userId: c.id, type: 'bill.created', createdAt: iso(2), data: '{"n":3}' },
      ];
      const done = await store.transaction(async (tx) => {
        await tx.lockGroupForBill(g.id);
        return tx.insertBillWithActivity(row, [{ debtorId: b.id, creditorId: a.id, delta: 2000 }], event, notes);
      });
      assert.deepEqual(done, {
        id: 2,
        version: v0 + 1,
        notifications: [
          { ...notes[0], id: 2, readAt: null },
          { ...notes[1], id: 1, readAt: null },
          { ...notes[2], id: 3, readAt: null },
        ],
      });
      assert.deepEqual(
        (await store.read.notificationsAfter(c.id, 0, 10)).map((n) => [n.id, n.data]),
        [
          [1, '{}'],
          [2, '{"n":1}'],
          [3, '{"n":3}'],
        ],
      );
      assert.deepEqual(
        (await store.read.notificationsAfter(b.id, 0, 10)).map((n) => [n.id, n.data]),
        [[1, '{"n":2}']],
      );

      assert.deepEqual(await store.read.getBill(row.id), row);
      assert.deepEqual(await store.read.listDebts(g.id), [{ debtorId: b.id, creditorId: a.id, amount: 2000 }]);
      assert.equal(await store.read.groupVersion(g.id), v0 + 1);
      const [newest] = await store.read.listActivity(g.id, 1, undefined);
      assert.deepEqual(
        [newest.id, newest.type, newest.actorId, newest.createdAt, newest.data],
        [2, 'bill.created', a.id, iso(2), '{"bill":1}'],
      );

      // No notifications: the bill's rows alone.
      const quiet = aBill(g.id, a.id, [b.id]);
      const alone = await store.transaction(async (tx) => {
        await tx.lockGroupForBill(g.id);
        return tx.insertBillWithActivity(quiet, [], { ...event, createdAt: iso(3) }, []);
      });
      assert.deepEqual(alone, { id: 3, version: v0 + 2, notifications: [] });

      // A notification for nobody: nothing of the bill, its event, its version or its notifications stays.
      const orphan = aBill(g.id, a.id, [b.id]);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.lockGroupForBill(g.id);
          return tx.insertBillWithActivity(orphan, [], { ...event, createdAt: iso(4) }, [
            { userId: b.id, type: 'bill.created', createdAt: iso(4), data: '{}' },
            { userId: `nobody-${newId()}`, type: 'bill.created', createdAt: iso(4), data: '{}' },
          ]);
        }),
      );
      assert.equal(await store.read.getBill(orphan.id), undefined);
      assert.equal(await store.read.groupVersion(g.id), v0 + 2);
      assert.equal((await store.read.notificationState(b.id)).lastId, 1);
      // The same with the unknown receiver the only one.
      const alone2 = aBill(g.id, a.id, [b.id]);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.lockGroupForBill(g.id);
          return tx.insertBillWithActivity(alone2, [], { ...event, createdAt: iso(4) }, [
            { userId: `nobody-${newId()}`, type: 'bill.created', createdAt: iso(4), data: '{}' },
          ]);
        }),
      );
      assert.equal(await store.read.getBill(alone2.id), undefined);
      assert.equal(await store.read.groupVersion(g.id), v0 + 2);

      const broken = aBill(g.id, a.id, [`nobody-${newId()}`]);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.lockGroupForBill(g.id);
          return tx.insertBillWithActivity(broken, [], { ...event, createdAt: iso(5) }, []);
        }),
      );
      assert.equal(await store.read.getBill(broken.id), undefined);
      assert.equal(await store.read.groupVersion(g.id), v0 + 2);
      assert.deepEqual(
        (await store.read.listActivity(g.id, 10, undefined)).map((r) => r.id),
        [3, 2, 1],
      );
    });

    test("notifications: appendNotifications takes each user's next ids in the order given; a failure takes none", async () => {
      const [a, b] = await users(2);
      await store.transaction((tx) => tx.appendNotification(a.id, 't', iso(1), '{}'));
      const rows = await store.transaction((tx) =>
        tx.appendNotifications([
          { userId: b.id, type: 'bill.created', createdAt: iso(2), data: '{"k":1}' },
          { userId: a.id, type: 'bill.created', createdAt: iso(2), data: '{"k":2}' },
          { userId: a.id, type: 'bill.paid', createdAt: iso(3), data: '{"k":3}' },
        ]),
      );
      assert.deepEqual(
        rows.map((r) => [r.userId, r.id, r.type, r.data]),
        [
          [b.id, 1, 'bill.created', '{"k":1}'],
          [a.id, 2, 'bill.created', '{"k":2}'],
          [a.id, 3, 'bill.paid', '{"k":3}'],
        ],
      );
      assert.deepEqual(await store.read.notificationsAfter(a.id, 1, 10), rows.slice(1));
      assert.deepEqual(await store.transaction((tx) => tx.appendNotifications([])), []);
      await assert.rejects(
        store.transaction((tx) =>
          tx.appendNotifications([
            { userId: a.id, type: 't', createdAt: iso(4), data: '{}' },
            { userId: 'nobody', type: 't', createdAt: iso(4), data: '{}' },
          ]),
        ),
      );
      assert.equal((await store.transaction((tx) => tx.appendNotification(a.id, 't', iso(5), '{}'))).id, 4, 'the failed call left no gap');
    });

    test('notifications: gapless ids per user, replay after an id, newest-first pages, read state', async () => {
      const [a, b] = await users(2);
      const appended: NotificationRow[] = [];
      for (let i = 1; i <= 5; i++) {
        appended.push(
          await store.transaction((tx) => tx.appendNotification(a.id, 'bill.created', iso(i), JSON.stringify({ n: i, text: 'é "q"' }))),
        );
      }
      const other = await store.transaction((tx) => tx.appendNotification(b.id, 'bill.paid', iso(9), '{}'));
      assert.deepEqual(
        appended.map((r) => r.id),
        [1, 2, 3, 4, 5],
      );
      assert.equal(other.id, 1, 'each user has their own counter');
      assert.deepEqual(appended[0], {
        userId: a.id,
        id: 1,
        type: 'bill.created',
        createdAt: iso(1),
        readAt: null,
        data: '{"n":1,"text":"é \\"q\\""}',
      });

      assert.deepEqual(await store.read.notificationsAfter(a.id, 2, 2), appended.slice(2, 4));
      assert.deepEqual(await store.read.notificationsAfter(a.id, 5, 10), []);
      assert.deepEqual(
        (await store.read.listNotifications(a.id, 2, undefined)).map((r) => r.id),
        [5, 4],
      );
      assert.deepEqual(
        (await store.read.listNotifications(a.id, 10, 4)).map((r) => r.id),
        [3, 2, 1],
      );

      assert.deepEqual(await store.read.notificationState(a.id), { lastId: 5, readUpTo: 0 });
      assert.deepEqual(await store.read.notificationState('nobody'), { lastId: 0, readUpTo: 0 });
      await store.transaction((tx) => tx.markRead(a.id, 3, iso(50)));
      await store.transaction((tx) => tx.markRead(a.id, 2, iso(60)));
      assert.deepEqual(await store.read.notificationState(a.id), { lastId: 5, readUpTo: 3 }, 'never moves back');
      assert.deepEqual(
        (await store.read.listNotifications(a.id, 10, undefined)).map((r) => r.readAt),
        [null, null, iso(50), iso(50), iso(50)],
      );
    });

    test('idempotency: claim once, renew and complete only as holder, release only while pending, take over after the lease, purge', async () => {
      const [u] = await users(1);
      const read = store.read;
      assert.equal(await read.claimIdempotency(u.id, 'k1', 'h1', iso(100), 'A', iso(110)), true);
      assert.equal(await read.claimIdempotency(u.id, 'k1', 'h1', iso(101), 'B', iso(111)), false);
      assert.deepEqual(await read.getIdempotency(u.id, 'k1'), {
        requestHash: 'h1',
        state: 'pending',
        status: null,
        body: null,
        createdAt: iso(100),
        holder: 'A',
        leaseUntil: iso(110),
      });
      assert.equal(await read.reclaimIdempotency(u.id, 'k1', 'h1', iso(105), 'B', iso(115)), false, 'the lease is live');
      assert.equal(await read.renewIdempotency(u.id, 'k1', 'B', iso(200)), false, 'only the holder renews');
      assert.equal(await read.renewIdempotency(u.id, 'k1', 'A', iso(120)), true);
      assert.equal(await read.reclaimIdempotency(u.id, 'k1', 'h1', iso(115), 'B', iso(125)), false, 'renewed: still live');
      assert.equal(await read.reclaimIdempotency(u.id, 'k1', 'other', iso(121), 'B', iso(131)), false, 'another request');
      assert.equal(await read.reclaimIdempotency(u.id, 'k1', 'h1', iso(121), 'B', iso(131)), true, 'taken over once the lease ended');
      assert.deepEqual(await read.getIdempotency(u.id, 'k1'), {
        requestHash: 'h1',
        state: 'pending',
        status: null,
        body: null,
        createdAt: iso(121),
        holder: 'B',
        leaseUntil: iso(131),
      });

      // The former holder can neither renew, complete nor release what is now B's.
      assert.equal(await read.renewIdempotency(u.id, 'k1', 'A', iso(140)), false);
      assert.equal(await read.completeIdempotency(u.id, 'k1', 'A', 201, '{"ok":"A"}'), false);
      await read.releaseIdempotency(u.id, 'k1', 'A');
      assert.equal((await read.getIdempotency(u.id, 'k1'))!.holder, 'B');

      assert.equal(await read.completeIdempotency(u.id, 'k1', 'B', 201, '{"ok":true}'), true);
      await read.releaseIdempotency(u.id, 'k1', 'B');
      assert.deepEqual(await read.getIdempotency(u.id, 'k1'), {
        requestHash: 'h1',
        state: 'done',
        status: 201,
        body: '{"ok":true}',
        createdAt: iso(121),
        holder: null,
        leaseUntil: null,
      });
      assert.equal(await read.reclaimIdempotency(u.id, 'k1', 'h1', iso(1000), 'C', iso(1010)), false, 'done is never reclaimed');
      assert.equal(await read.completeIdempotency(u.id, 'k1', 'B', 500, '{}'), false, 'done is recorded once');

      assert.equal(await read.claimIdempotency(u.id, 'k2', 'h2', iso(100), 'A', iso(110)), true);
      await read.releaseIdempotency(u.id, 'k2', 'A');
      assert.equal(await read.getIdempotency(u.id, 'k2'), undefined);

      assert.equal(await read.claimIdempotency(u.id, 'k3', 'h3', iso(-10), 'A', iso(0)), true);
      assert.equal((await read.purgeIdempotency(iso(0))) >= 1, true);
      assert.equal(await read.getIdempotency(u.id, 'k3'), undefined);
      assert.notEqual(await read.getIdempotency(u.id, 'k1'), undefined);
    });

    test('transaction: returns its value and sees its own writes; a throw leaves nothing behind', async () => {
      const [a, b] = await users(2);
      const seen = await store.transaction(async (tx) => {
        const n = await tx.appendNotification(a.id, 't', iso(1), '{}');
        return { n, state: await tx.notificationState(a.id) };
      });
      assert.deepEqual(seen.state, { lastId: 1, readUpTo: 0 });

      const ghost = aUser();
      const g = { id: newId(), name: 'Ghost', currency: 'EUR', createdAt: iso(1) };
      const boom = new Error('boom');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertUser(ghost);
          await tx.insertGroup(g, a.id);
          await tx.addMember(g.id, b.id, iso(1));
          await tx.insertBill(aBill(g.id, a.id, [b.id]));
          await tx.appendNotification(a.id, 't', iso(2), '{}');
          await tx.claimIdempotency(a.id, 'ghost', 'h', iso(2), 'A', iso(12));
          throw boom;
        }),
        (e) => e === boom,
      );
      assert.equal(await store.read.getUser(ghost.id), undefined);
      assert.equal(await store.read.getGroup(g.id), undefined);
      assert.equal(await store.read.isMember(g.id, b.id), false);
      assert.equal(await store.read.getIdempotency(a.id, 'ghost'), undefined);
      assert.deepEqual(await store.read.notificationState(a.id), { lastId: 1, readUpTo: 0 }, 'the counter rolled back too');
      const next = await store.transaction((tx) => tx.appendNotification(a.id, 't', iso(3), '{}'));
      assert.equal(next.id, 2, 'no gap after a rollback');

      // A failing statement (duplicate key) also rolls back what came before it, and the store stays usable.
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.appendNotification(a.id, 't', iso(4), '{}');
          await tx.insertGroup({ ...g, id: g.id }, a.id);
          await tx.insertGroup({ ...g, id: g.id }, a.id);
        }),
      );
      assert.deepEqual(await store.read.notificationState(a.id), { lastId: 2, readUpTo: 0 });
      await store.ping();
    });

    test('a second instance on the same database shares the counters (PostgreSQL) or is refused (SQLite: one owner)', async () => {
      if (dialect.name === 'sqlite') {
        await assert.rejects(h.another(), /in use|already open/);
        return;
      }
      const other = await h.another();
      const [a] = await users(1);
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) {
        const s = i % 2 === 0 ? store : other;
        ids.push((await s.transaction((tx) => tx.appendNotification(a.id, 't', iso(i), '{}'))).id);
      }
      assert.deepEqual(ids, [1, 2, 3, 4]);
    });

    test('notify: sent with the transaction on COMMIT, never on ROLLBACK, at once outside one (PostgreSQL); refused (SQLite)', async () => {
      if (dialect.name === 'sqlite') {
        await assert.rejects(
          store.transaction((tx) => tx.notify('chipin_contract', ['p'])),
          /SQLite has no NOTIFY/,
        );
        return;
      }
      const listener = new pg.Client({ connectionString: h.url });
      const heard: string[] = [];
      listener.on('notification', (m) => {
        if (m.channel === 'chipin_contract') heard.push(m.payload ?? '');
      });
      await listener.connect();
      try {
        await listener.query('LISTEN chipin_contract');
        const until = async (count: number) => {
          const deadline = Date.now() + 5000;
          while (heard.length < count && Date.now() < deadline) await sleep(10);
        };
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.notify('chipin_contract', ['rolled back']);
            throw new Error('rollback');
          }),
        );
        await store.transaction(async (tx) => {
          await tx.notify('chipin_contract', ['first', 'second']);
          await tx.notify('chipin_contract', []);
          await sleep(100);
          assert.deepEqual(heard, [], 'nothing is heard before COMMIT');
        });
        await until(2);
        assert.deepEqual(heard, ['first', 'second'], 'in order, and nothing of the rolled-back transaction');
        await store.read.notify('chipin_contract', ['autocommit']);
        await until(3);
        assert.deepEqual(heard, ['first', 'second', 'autocommit']);
      } finally {
        await listener.end();
      }
    });
  });
}

describe('store contract, PostgreSQL only: concurrency', { skip: pgDown ? `skipped: ${pgDown}` : false }, () => {
  let h: Harness;
  before(async () => {
    h = await dialects[1].open();
  });
  after(() => h?.cleanup());

  test('lockGroupForBill reads under the lock: what the previous holder committed while it waited is seen', async () => {
    const now = iso(1);
    const [a, b] = [aUser(), aUser()];
    for (const u of [a, b]) await h.store.read.insertUser(u);
    const g = { id: newId(), name: 'Trip', currency: 'EUR', createdAt: now };
    await h.store.read.insertGroup(g, a.id);
    await h.store.read.addMember(g.id, a.id, now);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const holding = new Promise<void>((r) => {
      locked = r;
    });
    const first = h.store.transaction(async (tx) => {
      await tx.lockGroup(g.id);
      await tx.addMember(g.id, b.id, now);
      await tx.addDebt(g.id, b.id, a.id, 500);
      locked();
      await held;
    });
    await holding;
    const second = h.store.transaction((tx) => tx.lockGroupForBill(g.id));
    await sleep(100); // the second is waiting for the group's row by now
    release();
    await first;
    const found = (await second)!;
    assert.deepEqual(found.memberIds.toSorted(), [a.id, b.id].toSorted());
    assert.equal(found.debtTotal, 500);
  });

  test('50 concurrent writers for one user through two instances take ids 1..50, and readers never see a gap', async () => {
    const stores = [h.store, await h.another()];
    const u = aUser();
    await h.store.read.insertUser(u);
    let writing = true;
    const snapshots: number[][] = [];
    // Under READ COMMITTED a reader sees whatever has committed: if commits could overtake each other in id
    // order, some snapshot would show a hole (e.g. 1..7 and 9).
    const reader = (async () => {
      while (writing) {
        snapshots.push((await stores[snapshots.length % 2].read.notificationsAfter(u.id, 0, 100)).map((r) => r.id));
        await sleep(1);
      }
    })();
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        stores[i % 2].transaction(async (tx) => {
          await sleep(i % 3); // widen the window in which transactions overlap
          const row = await tx.appendNotification(u.id, 'bill.created', iso(i), JSON.stringify({ i }));
          await sleep(1); // hold the row lock a little, so others queue behind it
          return row.id;
        }),
      ),
    );
    writing = false;
    await reader;
    const expected = Array.from({ length: 50 }, (_, i) => i + 1);
    assert.deepEqual(
      [...ids].sort((x, y) => x - y),
      expected,
    );
    assert.deepEqual(
      (await h.store.read.notificationsAfter(u.id, 0, 100)).map((r) => r.id),
      expected,
    );
    assert.deepEqual(await h.store.read.notificationState(u.id), { lastId: 50, readUpTo: 0 });
    assert.ok(snapshots.length > 1);
    for (const snap of snapshots) assert.deepEqual(snap, expected.slice(0, snap.length), `a reader saw a gap: ${snap.join(',')}`);
  });
});

// SQLite migrations after the first one rebuild tables (WITHOUT ROWID, a dropped column): a database made by
// 0001 must come through with every row and every reference intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { loadMigrations } from '../../src/store/migrate.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const at = '2026-01-01T00:00:00.000Z';
const ids = (members: { id: string }[]) => members.map((m) => m.id);

test('migrations 0002 and 0003 keep every row of a database made by 0001, references intact', async (t) => {
  const dir = makeTempDir('chipin-migrate-');
  const path = join(dir.path, 'db');
  const [first] = loadMigrations('sqlite');
  const old = new DatabaseSync(path);
  old.exec(first.sql);
  old.exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  old.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(first.version, at);
  old.exec(`
    INSERT INTO users (id, name, email, email_key, password_hash, created_at, last_notification_id) VALUES ('ann', 'Ann', 'a@x', 'a@x', 'h', '${at}', 2), ('bob', 'Bob', 'b@x', 'b@x', 'h', '${at}', 0);
    INSERT INTO sessions VALUES ('tok', 'ann', '${at}', '2999-01-01T00:00:00.000Z');
    INSERT INTO groups VALUES ('g', 'G', 'EUR', 'ann', '${at}');
    INSERT INTO group_members VALUES ('g', 'ann', 1, '${at}'), ('g', 'bob', 2, '${at}');
    INSERT INTO bills VALUES ('b1', 'g', 'ann', 'Tea', 300, 'EUR', '${at}', NULL);
    INSERT INTO bill_shares VALUES ('b1', 'ann', 0, 150, '${at}'), ('b1', 'bob', 1, 150, NULL);
    INSERT INTO group_debts VALUES ('g', 'bob', 'ann', 150);
    INSERT INTO notifications VALUES ('ann', 1, 'group.member_added', '${at}', NULL, '{}'), ('ann', 2, 'bill.paid', '${at}', NULL, '{}');
    INSERT INTO idempotency_keys VALUES ('ann', 'k', 'hash', 'done', 201, '{}', '${at}');
  `);
  old.close();

  const store = openSqliteStore(path, { synchronous: 'normal' });
  // One hook: the store closes before its folder goes (hooks run in the order they were added).
  t.after(async () => {
    await store.close();
    dir.remove();
  });
  const check = new DatabaseSync(path, { readOnly: true });
  assert.deepEqual(check.prepare('PRAGMA foreign_key_check').all(), [], 'every reference still points at a row');
  assert.deepEqual(
    check
      .prepare(`SELECT version FROM schema_migrations ORDER BY version`)
      .all()
      .map((r) => r.version),
    loadMigrations('sqlite').map((m) => m.version),
  );
  check.close();
  assert.equal((await store.read.sessionUser('tok', at))?.id, 'ann');
  assert.deepEqual(ids(await store.read.listMembers('g')), ['ann', 'bob']);
  const bill = await store.read.getBill('b1');
  assert.deepEqual(
    bill?.shares.map((s) => [s.userId, s.amount, s.paidAt]),
    [
      ['ann', 150, at],
      ['bob', 150, null],
    ],
  );
  assert.deepEqual(await store.read.listDebts('g'), [{ debtorId: 'bob', creditorId: 'ann', amount: 150 }]);
  assert.equal((await store.read.getIdempotency('ann', 'k'))?.status, 201);
  assert.deepEqual((await store.read.notificationState('ann')).lastId, 2);
  // The next id follows the stored ones, with no gap.
  const next = await store.transaction((tx) => tx.appendNotification('ann', 'bill.created', at, '{}'));
  assert.equal(next.id, 3);
  assert.deepEqual(
    (await store.read.notificationsAfter('ann', 0, 10)).map((n) => n.id),
    [1, 2, 3],
  );
});

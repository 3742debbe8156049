// Every query Chipin makes, written once in SQL that SQLite and PostgreSQL both run.
// Placeholders are `?`; the PostgreSQL driver numbers them. Columns are read by their snake_case names
// (PostgreSQL folds unquoted aliases to lower case, so aliases would not be portable).
import type { MoneyOps } from './money-ops.ts';
import type {
  ActivityRow,
  BillRow,
  DebtChange,
  DebtRow,
  DeliveryChannel,
  DeliveryQueueRow,
  DeliveryRow,
  GroupRow,
  IdempotencyRow,
  InviteRow,
  MemberRow,
  NewNotification,
  NotificationRow,
  Ops,
  PreferenceRow,
  PushSubscriptionRow,
  ShareRow,
  UserRow,
  UserWithPassword,
} from './store.ts';

type Row = Record<string, unknown>;

/** The little a driver must provide. */
export interface Db {
  all(sql: string, params: readonly unknown[]): Promise<Row[]>;
  get(sql: string, params: readonly unknown[]): Promise<Row | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params: readonly unknown[]): Promise<number>;
  /**
   * PostgreSQL: data-modifying WITH and arrays, so a write of several tables is one statement (one round
   * trip). SQLite has neither, and no round trips to save: it runs the statements one by one.
   */
  oneStatementWrites?: boolean;
  /**
   * PostgreSQL: several statements in one round trip, each one's rows returned. Each runs in its own snapshot (READ
   * COMMITTED takes one per statement), so a read placed after a lock sees what the lock's last holder
   * committed; one statement joining the lock to the read would read from before the wait.
   */
  batch?(statements: readonly { sql: string; params: readonly string[] }[]): Promise<Row[][]>;
}

const s = (v: unknown) => v as string;
const n = (v: unknown) => Number(v);
const sOrNull = (v: unknown) => (v === null || v === undefined ? null : (v as string));

const user = (r: Row): UserRow => ({ id: s(r.id), name: s(r.name), email: s(r.email), createdAt: s(r.created_at) });
const group = (r: Row): GroupRow => ({ id: s(r.id), name: s(r.name), currency: s(r.currency), createdAt: s(r.created_at) });
const share = (r: Row): ShareRow => ({ userId: s(r.user_id), amount: n(r.amount), paidAt: sOrNull(r.paid_at) });
const notification = (r: Row): NotificationRow => ({
  userId: s(r.user_id),
  id: n(r.id),
  type: s(r.type),
  createdAt: s(r.created_at),
  readAt: sOrNull(r.read_at),
  data: s(r.data),
});
const pushSubscription = (r: Row): PushSubscriptionRow => ({
  id: s(r.id),
  userId: s(r.user_id),
  endpoint: s(r.endpoint),
  p256dh: s(r.p256dh),
  auth: s(r.auth),
  expirationTime: r.expiration_time === null || r.expiration_time === undefined ? null : n(r.expiration_time),
  createdAt: s(r.created_at),
});
const flagOrNull = (v: unknown) => (v === null || v === undefined ? null : n(v) === 1);
const bitOrNull = (v: boolean | null) => (v === null ? null : v ? 1 : 0);
const delivery = (r: Row): DeliveryRow => ({
  userId: s(r.user_id),
  notificationId: n(r.notification_id),
  channel: s(r.channel) as DeliveryChannel,
  target: s(r.target),
  dueAt: s(r.due_at),
  expiresAt: s(r.expires_at),
  attempts: n(r.attempts),
});
const DELIVERY_COLUMNS = 'user_id, notification_id, channel, target, due_at, expires_at, attempts';
const DELIVERY_KEY = 'user_id = ? AND notification_id = ? AND channel = ? AND target = ?';
const activity = (r: Row): ActivityRow => ({
  groupId: s(r.group_id),
  id: n(r.id),
  type: s(r.type),
  actorId: s(r.actor_id),
  actorName: s(r.actor_name),
  createdAt: s(r.created_at),
  data: s(r.data),
});
const invite = (r: Row): InviteRow => ({
  id: s(r.id),
  groupId: s(r.group_id),
  tokenHash: s(r.token_hash),
  createdBy: s(r.created_by),
  createdAt: s(r.created_at),
  expiresAt: s(r.expires_at),
  revokedAt: sOrNull(r.revoked_at),
});
/** Where no address can be: the email_key of a pending member added by name (no '@', which every address has). */
export const noAddressKey = (userId: string) => `#pending:${userId}`;
const bill = (r: Row, shares: ShareRow[]): BillRow => ({
  id: s(r.id),
  groupId: s(r.group_id),
  ownerId: s(r.owner_id),
  description: s(r.description),
  amount: n(r.amount),
  currency: s(r.currency),
  createdAt: s(r.created_at),
  deletedAt: sOrNull(r.deleted_at),
  version: n(r.version),
  date: s(r.expense_date),
  notes: s(r.notes),
  shares,
});

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(',');
/**
 * A multi-row statement for `count` rows, built once per count: the same string object comes back each
 * time, so the driver's statement cache finds it without hashing a new string per call.
 */
function multiRow(build: (count: number) => string): (count: number) => string {
  const built: string[] = [];
  return (count) => (built[count] ??= build(count));
}
const tuples = (count: number, row: string) => Array.from({ length: count }, () => row).join(', ');
const INSERT_DEBTS = multiRow(
  (count) => `INSERT INTO group_debts (group_id, debtor_id, creditor_id, amount) VALUES ${tuples(count, '(?, ?, ?, ?)')}
   ON CONFLICT (group_id, debtor_id, creditor_id) DO UPDATE SET amount = group_debts.amount + excluded.amount`,
);
const INSERT_NOTIFICATIONS = multiRow(
  (count) => `INSERT INTO notifications (user_id, id, type, created_at, read_at, data) VALUES ${tuples(count, '(?, ?, ?, ?, NULL, ?)')}`,
);
const INSERT_DELIVERIES = multiRow(
  (count) => `INSERT INTO deliveries (user_id, notification_id, channel, target, due_at, expires_at, attempts, lease_until)
   VALUES ${tuples(count, '(?, ?, ?, ?, ?, ?, 0, NULL)')} ON CONFLICT (user_id, notification_id, channel, target) DO NOTHING`,
);
const INSERT_SHARES = multiRow(
  (count) => `INSERT INTO bill_shares (bill_id, user_id, position, amount, paid_at) VALUES ${tuples(count, '(?, ?, ?, ?, ?)')}`,
);

// PostgreSQL, one round trip: each user's counter row is locked in user-id order (ORDER BY … FOR UPDATE
// locks rows as they leave the sort), so two writers naming the same users cannot deadlock; then each
// counter moves by its user's count and the rows take consecutive ids after it, in the order given. The
// UPDATE under READ COMMITTED applies to the newest committed counter (the row is locked by now), so ids
// stay gapless and per user in commit order.
const NOTIFICATION_CTES = `items AS (
  SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS t(user_id, type, created_at, data, ord)
), counts AS (
  SELECT user_id, count(*) AS n FROM items GROUP BY user_id
), locked AS (
  SELECT u.id FROM users u WHERE u.id IN (SELECT user_id FROM counts) ORDER BY u.id FOR UPDATE
), bumped AS (
  UPDATE users u SET last_notification_id = u.last_notification_id + c.n
  FROM counts c, locked l WHERE u.id = c.user_id AND l.id = u.id
  RETURNING u.id, u.last_notification_id - c.n AS base
), numbered AS (
  SELECT i.ord, i.user_id, i.type, i.created_at, i.data, b.base + row_number() OVER (PARTITION BY i.user_id ORDER BY i.ord) AS id
  FROM items i JOIN bumped b ON b.id = i.user_id
), inserted AS (
  INSERT INTO notifications (user_id, id, type, created_at, read_at, data)
  SELECT user_id, id, type, created_at, NULL, data FROM numbered
)`;
const APPEND_NOTIFICATIONS_PG = `WITH ${NOTIFICATION_CTES}
SELECT ord, id FROM numbered ORDER BY ord`;

/** NOTIFICATION_CTES's parameters: one array per column, in the items' order. */
const notificationParams = (items: NewNotification[]) => [
  items.map((i) => i.userId),
  items.map((i) => i.type),
  items.map((i) => i.createdAt),
  items.map((i) => i.data),
];

// PostgreSQL, one round trip: the bill, its shares and the debts it adds (upserted per pair, as INSERT_DEBTS).
// The shares' and debts' foreign keys are checked at the end of the statement, when the bill row exists.
const BILL_AND_SHARES = `bill AS (
  INSERT INTO bills (id, group_id, owner_id, description, amount, currency, created_at, deleted_at, version, expense_date, notes)
  VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)
), shares AS (
  INSERT INTO bill_shares (bill_id, user_id, position, amount, paid_at)
  SELECT ?, user_id, position - 1, amount, paid_at FROM unnest(?::text[], ?::bigint[], ?::text[]) WITH ORDINALITY AS s(user_id, amount, paid_at, position)
)`;
const DEBTS = `INSERT INTO group_debts (group_id, debtor_id, creditor_id, amount)
SELECT ?, debtor_id, creditor_id, delta FROM unnest(?::text[], ?::text[], ?::bigint[]) AS d(debtor_id, creditor_id, delta)
ON CONFLICT (group_id, debtor_id, creditor_id) DO UPDATE SET amount = group_debts.amount + excluded.amount`;
const INSERT_BILL_PG = `WITH ${BILL_AND_SHARES}\n${DEBTS}`;

// NO KEY: writers of the group wait for each other, but not inserts that only refer to the group (bills,
// members: FOR KEY SHARE), which a plain FOR UPDATE would also hold up.
const LOCK_GROUP_PG = `SELECT id FROM groups WHERE id = ? FOR NO KEY UPDATE`;

// One row per member (one with a NULL member for a group without any), the group's columns on each. The
// debt total is a derived table, summed once: as a correlated subquery in the select list SQLite summed the
// group's debts again for every member row (500 members: 6.6 ms a bill, issue 13). Ids only, in key order:
// a bill checks who is a member and hints every member, it needs no names.
const GROUP_FOR_BILL = `SELECT g.id AS group_id, g.name AS group_name, g.currency, g.created_at, t.debt_total, m.user_id
  FROM groups g
  CROSS JOIN (SELECT COALESCE(SUM(amount), 0) AS debt_total FROM group_debts WHERE group_id = ?) t
  LEFT JOIN group_members m ON m.group_id = g.id
  WHERE g.id = ?`;

function groupForBill(rows: Row[]): { group: GroupRow; memberIds: string[]; debtTotal: number } | undefined {
  if (rows.length === 0) return undefined;
  const r = rows[0];
  const memberIds: string[] = [];
  for (const m of rows) if (m.user_id !== null && m.user_id !== undefined) memberIds.push(s(m.user_id));
  return {
    group: { id: s(r.group_id), name: s(r.group_name), currency: s(r.currency), createdAt: s(r.created_at) },
    memberIds,
    debtTotal: n(r.debt_total),
  };
}

// PostgreSQL, one round trip: the group's next activity id (the UPDATE row-locks the group until commit, so
// the group's events take ids in commit order) and the event under it; with the version, also the group's
// change counter (src/commands/unit-of-work.ts), whose lock is the same row's.
const activityCtes = (bumpVersion: boolean) => `g AS (
  UPDATE groups SET last_activity_id = last_activity_id + 1${bumpVersion ? ', version = version + 1' : ''} WHERE id = ?
  RETURNING id, last_activity_id, version
), activity AS (
  INSERT INTO group_activity (group_id, id, type, actor_id, created_at, data) SELECT id, last_activity_id, ?, ?, ?, ? FROM g
)`;
const APPEND_ACTIVITY_PG = `WITH ${activityCtes(false)}\nSELECT last_activity_id FROM g`;
// All three and the receivers' notifications, one round trip for a new bill. The caller holds the group's
// row (lockGroupForBill), so the UPDATE waits for no one; the pair totals are this group's, so only writers
// holding the same lock touch them; the users' counter rows, the only rows other groups' writers share, are
// locked in user-id order by NOTIFICATION_CTES as in APPEND_NOTIFICATIONS_PG. One row per notification (a
// single row with a NULL ord for none), each carrying the event's id and the group's new version.
const INSERT_BILL_WITH_ACTIVITY_PG = `WITH ${activityCtes(true)}, ${BILL_AND_SHARES}, debts AS (
${DEBTS}
), ${NOTIFICATION_CTES}
SELECT g.last_activity_id, g.version, n.ord, n.id FROM g LEFT JOIN numbered n ON true ORDER BY n.ord`;

/**
 * How a driver takes a user's next notification id. PostgreSQL runs writers side by side and serializes
 * them on the user's counter row; SQLite runs one writer at a time, so the store can hand out ids itself.
 */
export type NotificationIdSource =
  | { kind: 'counter-row' }
  | { kind: 'store'; next: (userId: string) => number; forget: (userId: string) => void };

/** Every operation but notify, which each dialect provides in its own SQL (or refuses). */
export type SharedOps = Omit<Ops, 'notify' | keyof MoneyOps>;

/** One entry per (debtor, creditor): an upsert may not touch the same row twice in one statement (PostgreSQL refuses). */
function onePerPair(entries: DebtChange[]): Map<string, DebtChange> {
  const byPair = new Map<string, DebtChange>();
  for (const e of entries) {
    const key = `${e.debtorId}\n${e.creditorId}`;
    const seen = byPair.get(key);
    if (seen) seen.delta += e.delta;
    else byPair.set(key, { ...e });
  }
  return byPair;
}

/** BILL_AND_SHARES's parameters, then DEBTS's. */
function billParams(b: BillRow, debts: DebtChange[]): unknown[] {
  const pairs = [...onePerPair(debts).values()];
  return [
    b.id,
    b.groupId,
    b.ownerId,
    b.description,
    b.amount,
    b.currency,
    b.createdAt,
    b.version,
    b.date,
    b.notes,
    b.id,
    b.shares.map((sh) => sh.userId),
    b.shares.map((sh) => sh.amount),
    b.shares.map((sh) => sh.paidAt),
    b.groupId,
    pairs.map((p) => p.debtorId),
    pairs.map((p) => p.creditorId),
    pairs.map((p) => p.delta),
  ];
}

/** The items as stored, with the ids NOTIFICATION_CTES gave them (rows in the items' order). */
function numberedRows(items: NewNotification[], rows: Row[]): NotificationRow[] {
  // A user with no row takes no id, and its items are missing here (the transaction then rolls back).
  if (rows.length !== items.length)
    throw new Error(`appendNotifications: no user among ${[...new Set(items.map((it) => it.userId))].join(', ')}`);
  return items.map(
    (it, i): NotificationRow => ({
      userId: it.userId,
      id: n(rows[i].id),
      type: it.type,
      createdAt: it.createdAt,
      readAt: null,
      data: it.data,
    }),
  );
}

/** What differs between the dialects' SQL in the shared queries. */
export type QueryOptions = {
  /** PostgreSQL: a claim skips rows another transaction has locked; SQLite has one writer and no such clause. */
  skipLocked: boolean;
};

export function queries(db: Db, source: NotificationIdSource, options: QueryOptions = { skipLocked: false }): SharedOps {
  const skipLocked = options.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
  // A claim is one UPDATE … RETURNING over the rows a sub-select picks: a lease expired or never taken.
  const CLAIM_DUE = `UPDATE deliveries SET lease_until = ? WHERE (user_id, notification_id, channel, target) IN (
      SELECT user_id, notification_id, channel, target FROM deliveries
      WHERE due_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at LIMIT ?${skipLocked})
    RETURNING ${DELIVERY_COLUMNS}`;
  const CLAIM_EMAILS = `UPDATE deliveries SET lease_until = ? WHERE (user_id, notification_id, channel, target) IN (
      SELECT user_id, notification_id, channel, target FROM deliveries
      WHERE user_id = ? AND channel = 'email' AND (lease_until IS NULL OR lease_until <= ?)${skipLocked})
    RETURNING ${DELIVERY_COLUMNS}`;

  async function sharesOf(billIds: string[]): Promise<Map<string, ShareRow[]>> {
    const byBill = new Map<string, ShareRow[]>(billIds.map((id) => [id, []]));
    if (billIds.length === 0) return byBill;
    const rows = await db.all(
      `SELECT bill_id, user_id, amount, paid_at FROM bill_shares WHERE bill_id IN (${placeholders(billIds.length)}) ORDER BY bill_id, position`,
      billIds,
    );
    for (const r of rows) byBill.get(s(r.bill_id))!.push(share(r));
    return byBill;
  }

  async function findSession(tokenHash: string): Promise<{ user: UserRow; expiresAt: string } | undefined> {
    const r = await db.get(
      `SELECT u.id, u.name, u.email, u.created_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`,
      [tokenHash],
    );
    return r && { user: user(r), expiresAt: s(r.expires_at) };
  }

  async function addDebts(groupId: string, entries: DebtChange[]) {
    const byPair = onePerPair(entries);
    if (byPair.size === 0) return;
    const params: unknown[] = [];
    for (const e of byPair.values()) params.push(groupId, e.debtorId, e.creditorId, e.delta);
    await db.run(INSERT_DEBTS(byPair.size), params);
  }

  async function bumpGroupVersion(groupId: string): Promise<number> {
    const r = await db.get(`UPDATE groups SET version = version + 1 WHERE id = ? RETURNING version`, [groupId]);
    if (!r) throw new Error(`bumpGroupVersion: no group ${groupId}`);
    return n(r.version);
  }

  async function insertBill(b: BillRow, debts: DebtChange[] = []): Promise<void> {
    if (db.oneStatementWrites) {
      await db.run(INSERT_BILL_PG, billParams(b, debts));
      return;
    }
    await db.run(
      `INSERT INTO bills (id, group_id, owner_id, description, amount, currency, created_at, deleted_at, version, expense_date, notes)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
      [b.id, b.groupId, b.ownerId, b.description, b.amount, b.currency, b.createdAt, b.version, b.date, b.notes],
    );
    const params: unknown[] = [];
    b.shares.forEach((sh, i) => params.push(b.id, sh.userId, i, sh.amount, sh.paidAt));
    await db.run(INSERT_SHARES(b.shares.length), params);
    await addDebts(b.groupId, debts);
  }

  async function appendActivity(groupId: string, actorId: string, type: string, createdAt: string, data: string) {
    if (source.kind === 'store') {
      // One writer at a time (SQLite): the group's highest id plus one, read from the primary key's end.
      const r = await db.get(
        `INSERT INTO group_activity (group_id, id, type, actor_id, created_at, data)
         SELECT g.id, COALESCE((SELECT MAX(a.id) FROM group_activity a WHERE a.group_id = g.id), 0) + 1, ?, ?, ?, ? FROM groups g WHERE g.id = ?
         RETURNING id`,
        [type, actorId, createdAt, data, groupId],
      );
      return r && { id: n(r.id) };
    }
    const r = await db.get(APPEND_ACTIVITY_PG, [groupId, type, actorId, createdAt, data]);
    return r && { id: n(r.last_activity_id) };
  }

  async function appendNotifications(items: NewNotification[]): Promise<NotificationRow[]> {
    if (items.length === 0) return [];
    const ids: number[] = [];
    if (source.kind === 'counter-row' && db.oneStatementWrites) {
      return numberedRows(items, await db.all(APPEND_NOTIFICATIONS_PG, notificationParams(items)));
    }
    for (const { userId } of items) {
      if (source.kind === 'store') {
        ids.push(source.next(userId));
      } else {
        // The UPDATE takes the user's row lock until commit, so concurrent writers for one user get
        // consecutive ids and commit in id order.
        const r = await db.get(
          `UPDATE users SET last_notification_id = last_notification_id + 1 WHERE id = ? RETURNING last_notification_id`,
          [userId],
        );
        if (!r) throw new Error(`appendNotification: no user ${userId}`);
        ids.push(n(r.last_notification_id));
      }
    }
    const params: unknown[] = [];
    items.forEach((it, i) => params.push(it.userId, ids[i], it.type, it.createdAt, it.data));
    try {
      await db.run(INSERT_NOTIFICATIONS(items.length), params);
    } catch (error) {
      // No row took its id (an unknown user, say): a caller that goes on must not leave a gap.
      if (source.kind === 'store') for (const { userId } of items) source.forget(userId);
      throw error;
    }
    return items.map(
      (it, i): NotificationRow => ({ userId: it.userId, id: ids[i], type: it.type, createdAt: it.createdAt, readAt: null, data: it.data }),
    );
  }

  return {
    async insertUser(u: UserWithPassword) {
      const changed = await db.run(
        `INSERT INTO users (id, name, email, email_key, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (email_key) DO NOTHING`,
        [u.id, u.name, u.email, u.email.toLowerCase(), u.passwordHash, u.createdAt],
      );
      return changed === 1;
    },
    async findUserByEmail(email) {
      const r = await db.get(`SELECT id, name, email, created_at, password_hash, pending FROM users WHERE email_key = ?`, [
        email.toLowerCase(),
      ]);
      return r && { ...user(r), passwordHash: s(r.password_hash), pending: n(r.pending) === 1 };
    },
    async insertPendingUser(u) {
      // No password ('' is no scrypt hash, so nothing verifies against it; login refuses pending rows first).
      await db.run(`INSERT INTO users (id, name, email, email_key, password_hash, created_at, pending) VALUES (?, ?, ?, ?, '', ?, 1)`, [
        u.id,
        u.name,
        u.email ?? '',
        u.email === null ? noAddressKey(u.id) : u.email.toLowerCase(),
        u.createdAt,
      ]);
    },
    async activatePendingUser(u) {
      const r = await db.get(
        `UPDATE users SET name = ?, email = ?, password_hash = ?, created_at = ?, pending = 0 WHERE email_key = ? AND pending = 1
         RETURNING id, name, email, created_at`,
        [u.name, u.email, u.passwordHash, u.createdAt, u.email.toLowerCase()],
      );
      return r && user(r);
    },
    async mergeMember(groupId, fromId, toId) {
      await db.run(`UPDATE group_members SET user_id = ? WHERE group_id = ? AND user_id = ?`, [toId, groupId, fromId]);
      await db.run(`UPDATE bill_shares SET user_id = ? WHERE user_id = ? AND bill_id IN (SELECT id FROM bills WHERE group_id = ?)`, [
        toId,
        fromId,
        groupId,
      ]);
      await db.run(`UPDATE bills SET owner_id = ? WHERE group_id = ? AND owner_id = ?`, [toId, groupId, fromId]);
      // Payments go with the member too (a pending member cannot be paid, src/commands/payments.ts, nor pay,
      // so there are none today; were there, they would stay theirs), and so do the reminders of their parts.
      await db.run(`UPDATE payments SET from_id = ? WHERE group_id = ? AND from_id = ?`, [toId, groupId, fromId]);
      await db.run(`UPDATE payments SET to_id = ? WHERE group_id = ? AND to_id = ?`, [toId, groupId, fromId]);
      await db.run(`UPDATE bill_reminders SET user_id = ? WHERE user_id = ? AND bill_id IN (SELECT id FROM bills WHERE group_id = ?)`, [
        toId,
        fromId,
        groupId,
      ]);
      // Pair totals are keyed by the pair: added onto the new id's rows (which may exist, at 0, if it was a
      // member before), then the old rows go.
      const rows = await db.all(
        `SELECT debtor_id, creditor_id, amount FROM group_debts WHERE group_id = ? AND (debtor_id = ? OR creditor_id = ?)`,
        [groupId, fromId, fromId],
      );
      await db.run(`DELETE FROM group_debts WHERE group_id = ? AND (debtor_id = ? OR creditor_id = ?)`, [groupId, fromId, fromId]);
      const swap = (id: string) => (id === fromId ? toId : id);
      await addDebts(
        groupId,
        rows.map((r) => ({ debtorId: swap(s(r.debtor_id)), creditorId: swap(s(r.creditor_id)), delta: n(r.amount) })),
      );
    },
    async billsSharedBy(groupId, a, b) {
      const r = await db.get(
        `SELECT COUNT(*) AS count FROM bill_shares x JOIN bill_shares y ON y.bill_id = x.bill_id JOIN bills b ON b.id = x.bill_id
         WHERE b.group_id = ? AND x.user_id = ? AND y.user_id = ?`,
        [groupId, a, b],
      );
      return n(r?.count ?? 0);
    },
    async deleteUser(userId) {
      await db.run(`DELETE FROM notifications WHERE user_id = ?`, [userId]);
      await db.run(`DELETE FROM users WHERE id = ?`, [userId]);
    },
    async getUser(id) {
      const r = await db.get(`SELECT id, name, email, created_at FROM users WHERE id = ?`, [id]);
      return r && user(r);
    },

    async insertSession(tokenHash, userId, createdAt, expiresAt) {
      await db.run(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, [
        tokenHash,
        userId,
        createdAt,
        expiresAt,
      ]);
    },
    findSession,
    async sessionUser(tokenHash, now) {
      const found = await findSession(tokenHash);
      return found && found.expiresAt > now ? found.user : undefined;
    },
    async deleteSession(tokenHash) {
      await db.run(`DELETE FROM sessions WHERE token_hash = ?`, [tokenHash]);
    },
    async deleteUserSessions(userId, keepTokenHash) {
      return keepTokenHash === undefined
        ? db.run(`DELETE FROM sessions WHERE user_id = ?`, [userId])
        : db.run(`DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, [userId, keepTokenHash]);
    },
    async existingSessions(tokenHashes) {
      if (tokenHashes.length === 0) return [];
      const rows = await db.all(`SELECT token_hash FROM sessions WHERE token_hash IN (${placeholders(tokenHashes.length)})`, tokenHashes);
      return rows.map((r) => s(r.token_hash));
    },
    async notificationCounters(userIds) {
      if (userIds.length === 0) return [];
      const rows =
        source.kind === 'store'
          ? await db.all(
              `SELECT user_id AS id, MAX(id) AS last_id FROM notifications WHERE user_id IN (${placeholders(userIds.length)}) GROUP BY user_id`,
              userIds,
            )
          : await db.all(
              `SELECT id, last_notification_id AS last_id FROM users WHERE id IN (${placeholders(userIds.length)}) AND last_notification_id > 0`,
              userIds,
            );
      return rows.map((r) => ({ userId: s(r.id), lastId: n(r.last_id) }));
    },
    async purgeSessions(now) {
      return db.run(`DELETE FROM sessions WHERE expires_at <= ?`, [now]);
    },
    async findPasswordHash(userId) {
      const r = await db.get(`SELECT password_hash FROM users WHERE id = ?`, [userId]);
      return r && s(r.password_hash);
    },
    async setPasswordHash(userId, passwordHash) {
      await db.run(`UPDATE users SET password_hash = ? WHERE id = ?`, [passwordHash, userId]);
    },

    async insertGroup(g, createdBy) {
      await db.run(`INSERT INTO groups (id, name, currency, created_by, created_at) VALUES (?, ?, ?, ?, ?)`, [
        g.id,
        g.name,
        g.currency,
        createdBy,
        g.createdAt,
      ]);
    },
    async addMember(groupId, userId, joinedAt) {
      const changed = await db.run(
        `INSERT INTO group_members (group_id, user_id, position, joined_at)
         SELECT ?, ?, COALESCE(MAX(position), 0) + 1, ? FROM group_members WHERE group_id = ?
         ON CONFLICT (group_id, user_id) DO NOTHING`,
        [groupId, userId, joinedAt, groupId],
      );
      return changed === 1;
    },
    async removeMember(groupId, userId) {
      return (await db.run(`DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, [groupId, userId])) === 1;
    },
    async lockGroup(groupId) {
      const r =
        source.kind === 'counter-row'
          ? await db.get(LOCK_GROUP_PG, [groupId])
          : await db.get(`SELECT id FROM groups WHERE id = ?`, [groupId]);
      return r !== undefined;
    },
    async unpaidParts(groupId, userId) {
      const r = await db.get(
        `SELECT COALESCE(SUM(CASE WHEN s.user_id = ? THEN s.amount ELSE 0 END), 0) AS owes,
                COALESCE(SUM(CASE WHEN b.owner_id = ? THEN s.amount ELSE 0 END), 0) AS owed
         FROM bills b JOIN bill_shares s ON s.bill_id = b.id
         WHERE b.group_id = ? AND b.deleted_at IS NULL AND s.paid_at IS NULL AND s.user_id <> b.owner_id AND (s.user_id = ? OR b.owner_id = ?)`,
        [userId, userId, groupId, userId, userId],
      );
      return { owes: n(r?.owes ?? 0), owed: n(r?.owed ?? 0) };
    },
    async isMember(groupId, userId) {
      return (await db.get(`SELECT 1 AS one FROM group_members WHERE group_id = ? AND user_id = ?`, [groupId, userId])) !== undefined;
    },
    async getGroup(groupId) {
      const r = await db.get(`SELECT id, name, currency, created_at FROM groups WHERE id = ?`, [groupId]);
      return r && group(r);
    },
    async lockGroupForBill(groupId) {
      // SQLite has one writer: nothing to lock, and the read is current.
      if (!db.batch) return groupForBill(await db.all(GROUP_FOR_BILL, [groupId, groupId]));
      const [locked, rows] = await db.batch([
        { sql: LOCK_GROUP_PG, params: [groupId] },
        { sql: GROUP_FOR_BILL, params: [groupId, groupId] },
      ]);
      return locked.length === 0 ? undefined : groupForBill(rows);
    },
    async groupVersion(groupId) {
      const r = await db.get(`SELECT version FROM groups WHERE id = ?`, [groupId]);
      return n(r?.version ?? 0);
    },
    bumpGroupVersion,
    async listMembers(groupId) {
      const rows = await db.all(
        `SELECT u.id, u.name, u.email, u.pending FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = ? ORDER BY m.position`,
        [groupId],
      );
      return rows.map((r): MemberRow => ({ id: s(r.id), name: s(r.name), email: s(r.email), pending: n(r.pending) === 1 }));
    },
    async listGroupsOf(userId) {
      const rows = await db.all(
        `SELECT g.id, g.name, g.currency, g.created_at FROM group_members m JOIN groups g ON g.id = m.group_id
         WHERE m.user_id = ? ORDER BY g.created_at DESC, g.id DESC`,
        [userId],
      );
      return rows.map(group);
    },

    insertBill,
    async insertBillWithActivity(b, debts, a, items) {
      if (!db.oneStatementWrites || source.kind !== 'counter-row') {
        const appended = await appendActivity(b.groupId, a.actorId, a.type, a.createdAt, a.data);
        if (!appended) throw new Error(`insertBillWithActivity: no group ${b.groupId}`);
        const version = await bumpGroupVersion(b.groupId);
        await insertBill(b, debts);
        return { id: appended.id, version, notifications: await appendNotifications(items) };
      }
      // No group: no row for the UPDATE, and the bill's foreign key fails the statement.
      const rows = await db.all(INSERT_BILL_WITH_ACTIVITY_PG, [
        b.groupId,
        a.type,
        a.actorId,
        a.createdAt,
        a.data,
        ...billParams(b, debts),
        ...notificationParams(items),
      ]);
      const r = rows[0];
      return {
        id: n(r.last_activity_id),
        version: n(r.version),
        // The LEFT JOIN's row with no notification (ord NULL) is not one: with every receiver unknown it
        // would otherwise pass for the one item given.
        notifications: numberedRows(
          items,
          rows.filter((row) => row.ord !== null),
        ),
      };
    },
    async getBill(billId) {
      const r = await db.get(`SELECT * FROM bills WHERE id = ?`, [billId]);
      if (!r) return undefined;
      return bill(r, (await sharesOf([billId])).get(billId)!);
    },
    async listBills(groupId, limit, beforeId) {
      const rows =
        beforeId === undefined
          ? await db.all(`SELECT * FROM bills WHERE group_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?`, [groupId, limit])
          : await db.all(`SELECT * FROM bills WHERE group_id = ? AND deleted_at IS NULL AND id < ? ORDER BY id DESC LIMIT ?`, [
              groupId,
              beforeId,
              limit,
            ]);
      const shares = await sharesOf(rows.map((r) => s(r.id)));
      return rows.map((r) => bill(r, shares.get(s(r.id))!));
    },
    async markSharePaid(billId, userId, paidAt) {
      return (
        (await db.run(`UPDATE bill_shares SET paid_at = ? WHERE bill_id = ? AND user_id = ? AND paid_at IS NULL`, [
          paidAt,
          billId,
          userId,
        ])) === 1
      );
    },
    async markShareUnpaid(billId, userId, paidAt) {
      return (
        (await db.run(`UPDATE bill_shares SET paid_at = NULL WHERE bill_id = ? AND user_id = ? AND paid_at = ?`, [
          billId,
          userId,
          paidAt,
        ])) === 1
      );
    },
    async markBillDeleted(billId, deletedAt) {
      return (await db.run(`UPDATE bills SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, [deletedAt, billId])) === 1;
    },
    async addDebt(groupId, debtorId, creditorId, delta) {
      await addDebts(groupId, [{ debtorId, creditorId, delta }]);
    },
    addDebts,
    async listDebts(groupId) {
      const rows = await db.all(
        `SELECT debtor_id, creditor_id, amount FROM group_debts WHERE group_id = ? AND amount <> 0 ORDER BY debtor_id, creditor_id`,
        [groupId],
      );
      return rows.map((r): DebtRow => ({ debtorId: s(r.debtor_id), creditorId: s(r.creditor_id), amount: n(r.amount) }));
    },
    async debtTotal(groupId) {
      const r = await db.get(`SELECT COALESCE(SUM(amount), 0) AS total FROM group_debts WHERE group_id = ?`, [groupId]);
      return n(r?.total ?? 0);
    },

    async appendNotification(userId, type, createdAt, data) {
      return (await appendNotifications([{ userId, type, createdAt, data }]))[0];
    },
    appendNotifications,
    async listNotifications(userId, limit, beforeId) {
      const rows =
        beforeId === undefined
          ? await db.all(`SELECT * FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT ?`, [userId, limit])
          : await db.all(`SELECT * FROM notifications WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, [userId, beforeId, limit]);
      return rows.map(notification);
    },
    async notificationsAfter(userId, afterId, limit) {
      const rows = await db.all(`SELECT * FROM notifications WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?`, [userId, afterId, limit]);
      return rows.map(notification);
    },
    async notificationState(userId) {
      const r =
        source.kind === 'store'
          ? await db.get(
              `SELECT (SELECT COALESCE(MAX(id), 0) FROM notifications WHERE user_id = ?) AS last_notification_id, read_up_to FROM users WHERE id = ?`,
              [userId, userId],
            )
          : await db.get(`SELECT last_notification_id, read_up_to FROM users WHERE id = ?`, [userId]);
      return r ? { lastId: n(r.last_notification_id), readUpTo: n(r.read_up_to) } : { lastId: 0, readUpTo: 0 };
    },
    async markRead(userId, upTo, readAt) {
      await db.run(`UPDATE notifications SET read_at = ? WHERE user_id = ? AND id <= ? AND read_at IS NULL`, [readAt, userId, upTo]);
      await db.run(`UPDATE users SET read_up_to = ? WHERE id = ? AND read_up_to < ?`, [upTo, userId, upTo]);
    },

    async notificationsByIds(userId, ids) {
      if (ids.length === 0) return [];
      const rows = await db.all(`SELECT * FROM notifications WHERE user_id = ? AND id IN (${placeholders(ids.length)})`, [userId, ...ids]);
      return rows.map(notification);
    },
    async markSeen(userId, upTo) {
      await db.run(
        `INSERT INTO notification_seen (user_id, up_to) VALUES (?, ?)
         ON CONFLICT (user_id) DO UPDATE SET up_to = CASE WHEN excluded.up_to > notification_seen.up_to THEN excluded.up_to ELSE notification_seen.up_to END`,
        [userId, upTo],
      );
    },
    async seenUpTo(userId) {
      const r = await db.get(`SELECT up_to FROM notification_seen WHERE user_id = ?`, [userId]);
      return r ? n(r.up_to) : 0;
    },

    async upsertPushSubscription(sub) {
      const inserted = await db.run(
        `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, expiration_time, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (endpoint) DO NOTHING`,
        [sub.id, sub.userId, sub.endpoint, sub.p256dh, sub.auth, sub.expirationTime, sub.createdAt],
      );
      if (inserted === 1) return { subscription: sub, created: true };
      const existing = pushSubscription((await db.get(`SELECT * FROM push_subscriptions WHERE endpoint = ?`, [sub.endpoint]))!);
      // Re-bound to another user: what was pending for the previous one must not reach this device.
      if (existing.userId !== sub.userId) await db.run(`DELETE FROM deliveries WHERE channel = 'push' AND target = ?`, [existing.id]);
      await db.run(`UPDATE push_subscriptions SET user_id = ?, p256dh = ?, auth = ?, expiration_time = ? WHERE id = ?`, [
        sub.userId,
        sub.p256dh,
        sub.auth,
        sub.expirationTime,
        existing.id,
      ]);
      return {
        subscription: { ...existing, userId: sub.userId, p256dh: sub.p256dh, auth: sub.auth, expirationTime: sub.expirationTime },
        created: false,
      };
    },
    async listPushSubscriptions(userIds) {
      if (userIds.length === 0) return [];
      const rows = await db.all(
        `SELECT * FROM push_subscriptions WHERE user_id IN (${placeholders(userIds.length)}) ORDER BY created_at, id`,
        userIds,
      );
      return rows.map(pushSubscription);
    },
    async getPushSubscription(id) {
      const r = await db.get(`SELECT * FROM push_subscriptions WHERE id = ?`, [id]);
      return r && pushSubscription(r);
    },
    async deletePushSubscription(id, userId) {
      const gone =
        userId === undefined
          ? await db.run(`DELETE FROM push_subscriptions WHERE id = ?`, [id])
          : await db.run(`DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?`, [id, userId]);
      if (gone === 0) return false;
      await db.run(`DELETE FROM deliveries WHERE channel = 'push' AND target = ?`, [id]);
      return true;
    },

    async preferencesOf(userIds) {
      if (userIds.length === 0) return [];
      const rows = await db.all(
        `SELECT user_id, type, push, email FROM notification_preferences WHERE user_id IN (${placeholders(userIds.length)})`,
        userIds,
      );
      return rows.map(
        (r): PreferenceRow => ({ userId: s(r.user_id), type: s(r.type), push: flagOrNull(r.push), email: flagOrNull(r.email) }),
      );
    },
    async setPreferences(rows) {
      for (const p of rows) {
        await db.run(
          `INSERT INTO notification_preferences (user_id, type, push, email) VALUES (?, ?, ?, ?)
           ON CONFLICT (user_id, type) DO UPDATE SET push = COALESCE(excluded.push, notification_preferences.push), email = COALESCE(excluded.email, notification_preferences.email)`,
          [p.userId, p.type, bitOrNull(p.push), bitOrNull(p.email)],
        );
      }
    },
    async deletePreference(userId, type) {
      await db.run(`DELETE FROM notification_preferences WHERE user_id = ? AND type = ?`, [userId, type]);
    },

    async insertDeliveries(rows) {
      // Bounded statements: 7 parameters a row stays far below both drivers' parameter limits.
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const params: unknown[] = [];
        for (const d of chunk) params.push(d.userId, d.notificationId, d.channel, d.target, d.dueAt, d.expiresAt);
        await db.run(INSERT_DELIVERIES(chunk.length), params);
      }
    },
    async claimDueDeliveries(now, leaseUntil, limit) {
      return (await db.all(CLAIM_DUE, [leaseUntil, now, now, limit])).map(delivery);
    },
    async claimUserEmails(userId, now, leaseUntil) {
      return (await db.all(CLAIM_EMAILS, [leaseUntil, userId, now])).map(delivery);
    },
    async finishDelivery(k) {
      await db.run(`DELETE FROM deliveries WHERE ${DELIVERY_KEY}`, [k.userId, k.notificationId, k.channel, k.target]);
    },
    async retryDelivery(k, dueAt, attempts) {
      await db.run(`UPDATE deliveries SET due_at = ?, attempts = ?, lease_until = NULL WHERE ${DELIVERY_KEY}`, [
        dueAt,
        attempts,
        k.userId,
        k.notificationId,
        k.channel,
        k.target,
      ]);
    },
    async deliveryQueue(now) {
      const rows = await db.all(
        `SELECT channel, COUNT(*) AS depth, MIN(CASE WHEN due_at <= ? THEN due_at END) AS oldest FROM deliveries GROUP BY channel`,
        [now],
      );
      return rows.map(
        (r): DeliveryQueueRow => ({ channel: s(r.channel) as DeliveryChannel, depth: n(r.depth), oldestDueAt: sOrNull(r.oldest) }),
      );
    },

    async getSecret(name) {
      const r = await db.get(`SELECT value FROM server_secrets WHERE name = ?`, [name]);
      return r && s(r.value);
    },
    async putSecretOnce(name, value) {
      await db.run(`INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, [name, value]);
      const r = await db.get(`SELECT value FROM server_secrets WHERE name = ?`, [name]);
      return s(r!.value);
    },

    appendActivity,
    async listActivity(groupId, limit, beforeId) {
      const select = `SELECT a.group_id, a.id, a.type, a.actor_id, COALESCE(u.name, '') AS actor_name, a.created_at, a.data
        FROM group_activity a LEFT JOIN users u ON u.id = a.actor_id WHERE a.group_id = ?`;
      const rows =
        beforeId === undefined
          ? await db.all(`${select} ORDER BY a.id DESC LIMIT ?`, [groupId, limit])
          : await db.all(`${select} AND a.id < ? ORDER BY a.id DESC LIMIT ?`, [groupId, beforeId, limit]);
      return rows.map(activity);
    },

    async insertInvite(i) {
      await db.run(
        `INSERT INTO group_invites (id, group_id, token_hash, created_by, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)`,
        [i.id, i.groupId, i.tokenHash, i.createdBy, i.createdAt, i.expiresAt],
      );
    },
    async findInviteByHash(tokenHash) {
      const r = await db.get(`SELECT * FROM group_invites WHERE token_hash = ?`, [tokenHash]);
      return r && invite(r);
    },
    async getInvite(inviteId) {
      const r = await db.get(`SELECT * FROM group_invites WHERE id = ?`, [inviteId]);
      return r && invite(r);
    },
    async listOpenInvites(groupId, now) {
      const rows = await db.all(
        `SELECT * FROM group_invites WHERE group_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id DESC`,
        [groupId, now],
      );
      return rows.map(invite);
    },
    async revokeInvite(inviteId, revokedAt) {
      return (await db.run(`UPDATE group_invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, [revokedAt, inviteId])) === 1;
    },

    async getIdempotency(userId, key) {
      const r = await db.get(
        `SELECT request_hash, state, status, body, created_at, holder, lease_until FROM idempotency_keys WHERE user_id = ? AND key = ?`,
        [userId, key],
      );
      if (!r) return undefined;
      return {
        requestHash: s(r.request_hash),
        state: s(r.state) as IdempotencyRow['state'],
        status: r.status === null ? null : n(r.status),
        body: sOrNull(r.body),
        createdAt: s(r.created_at),
        holder: sOrNull(r.holder),
        leaseUntil: sOrNull(r.lease_until),
      };
    },
    async claimIdempotency(userId, key, requestHash, createdAt, holder, leaseUntil) {
      const changed = await db.run(
        `INSERT INTO idempotency_keys (user_id, key, request_hash, state, status, body, created_at, holder, lease_until)
         VALUES (?, ?, ?, 'pending', NULL, NULL, ?, ?, ?)
         ON CONFLICT (user_id, key) DO NOTHING`,
        [userId, key, requestHash, createdAt, holder, leaseUntil],
      );
      return changed === 1;
    },
    async reclaimIdempotency(userId, key, requestHash, now, holder, leaseUntil) {
      // ISO-8601 UTC text with fixed width compares in time order (COLLATE "C" on PostgreSQL).
      const changed = await db.run(
        `UPDATE idempotency_keys SET created_at = ?, holder = ?, lease_until = ?
         WHERE user_id = ? AND key = ? AND request_hash = ? AND state = 'pending' AND lease_until < ?`,
        [now, holder, leaseUntil, userId, key, requestHash, now],
      );
      return changed === 1;
    },
    async renewIdempotency(userId, key, holder, leaseUntil) {
      const changed = await db.run(
        `UPDATE idempotency_keys SET lease_until = ? WHERE user_id = ? AND key = ? AND holder = ? AND state = 'pending'`,
        [leaseUntil, userId, key, holder],
      );
      return changed === 1;
    },
    async completeIdempotency(userId, key, holder, status, body) {
      const changed = await db.run(
        `UPDATE idempotency_keys SET state = 'done', status = ?, body = ?, holder = NULL, lease_until = NULL
         WHERE user_id = ? AND key = ? AND holder = ? AND state = 'pending'`,
        [status, body, userId, key, holder],
      );
      return changed === 1;
    },
    async releaseIdempotency(userId, key, holder) {
      await db.run(`DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND holder = ? AND state = 'pending'`, [
        userId,
        key,
        holder,
      ]);
    },
    async purgeIdempotency(olderThan) {
      return db.run(`DELETE FROM idempotency_keys WHERE created_at < ?`, [olderThan]);
    },
  };
}

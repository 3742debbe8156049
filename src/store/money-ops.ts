// The store operations of the everyday money flows (issue 15): bill edits and their revisions, payments
// between two members, and reminders. Written once in SQL both dialects run (like ./queries.ts), except the
// row lock, which only PostgreSQL needs.
import type { Db } from './queries.ts';

export type RevisionRow = { version: number; at: string; actorId: string; actorName: string; changes: string };
export type PaymentStatus = 'pending' | 'confirmed' | 'disputed';
export type PaymentRow = {
  id: string;
  groupId: string;
  fromId: string;
  toId: string;
  amount: number;
  currency: string;
  note: string;
  status: PaymentStatus;
  createdAt: string;
  confirmedAt: string | null;
  disputedAt: string | null;
  disputeReason: string | null;
};
/** An unpaid part a payment can close: oldest bill first (the day of the expense, then creation). */
export type OwedPart = { billId: string; amount: number };
export type BillEdit = { id: string; description: string; date: string; notes: string; amount: number; version: number };

export interface MoneyOps {
  /**
   * Locks the bills' rows until the transaction ends (PostgreSQL: SELECT … FOR UPDATE, in id order so two
   * lockers cannot deadlock). Every command that reads a bill's parts and then changes them or the debts
   * they imply takes it first, so an edit and a payment of the same bill run one after the other. SQLite
   * runs one writing transaction at a time, so there it is nothing.
   */
  lockBills(billIds: readonly string[]): Promise<void>;
  updateBill(edit: BillEdit): Promise<void>;
  /** Sets a part's amount (only if unpaid, with `unpaidOnly`); false when no part changed. */
  setShareAmount(billId: string, userId: string, amount: number, unpaidOnly: boolean): Promise<boolean>;
  /** Removes a part (only if unpaid, with `unpaidOnly`); false when none went. */
  deleteShare(billId: string, userId: string, unpaidOnly: boolean): Promise<boolean>;
  /** Adds a part after the bill's existing ones. */
  appendShare(billId: string, userId: string, amount: number, paidAt: string | null): Promise<void>;
  insertRevision(billId: string, version: number, at: string, actorId: string, changes: string): Promise<void>;
  /** Oldest first. */
  listRevisions(billId: string): Promise<RevisionRow[]>;

  insertPayment(payment: PaymentRow): Promise<void>;
  getPayment(paymentId: string): Promise<PaymentRow | undefined>;
  /** Newest first; `beforeId` exclusive. */
  listPayments(groupId: string, limit: number, beforeId: string | undefined): Promise<PaymentRow[]>;
  /** Moves a pending payment on; false when it is no longer pending. */
  settlePayment(paymentId: string, status: 'confirmed' | 'disputed', at: string, reason: string | null): Promise<boolean>;
  /** How many of the group's payments from or to the user are still pending. */
  pendingPayments(groupId: string, userId: string): Promise<number>;
  /** The debtor's unpaid parts of live bills the creditor owns in the group, oldest bill first. */
  owedParts(groupId: string, debtorId: string, creditorId: string): Promise<OwedPart[]>;
  /** Closes an unpaid part on behalf of a payment; false when it was not unpaid. */
  closeShare(billId: string, userId: string, paidAt: string, paymentId: string): Promise<boolean>;

  /**
   * Records a reminder unless one was sent at or after `windowStart` (one conditional upsert, so two
   * concurrent reminders cannot both pass); true when this one was recorded.
   */
  recordReminder(billId: string, userId: string, at: string, windowStart: string): Promise<boolean>;
  /** When each of the bill's receivers was last reminded. */
  lastReminders(billId: string): Promise<Map<string, string>>;
}

type Row = Record<string, unknown>;
const s = (v: unknown) => v as string;
const n = (v: unknown) => Number(v);
const sOrNull = (v: unknown) => (v === null || v === undefined ? null : (v as string));
const payment = (r: Row): PaymentRow => ({
  id: s(r.id),
  groupId: s(r.group_id),
  fromId: s(r.from_id),
  toId: s(r.to_id),
  amount: n(r.amount),
  currency: s(r.currency),
  note: s(r.note),
  status: s(r.status) as PaymentStatus,
  createdAt: s(r.created_at),
  confirmedAt: sOrNull(r.confirmed_at),
  disputedAt: sOrNull(r.disputed_at),
  disputeReason: sOrNull(r.dispute_reason),
});
const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(',');

export function moneyQueries(db: Db, dialect: 'sqlite' | 'postgres'): MoneyOps {
  return {
    async lockBills(billIds) {
      if (dialect === 'sqlite' || billIds.length === 0) return;
      const sorted = [...new Set(billIds)].sort();
      await db.all(`SELECT id FROM bills WHERE id IN (${placeholders(sorted.length)}) ORDER BY id FOR UPDATE`, sorted);
    },
    async updateBill(b) {
      await db.run(`UPDATE bills SET description = ?, expense_date = ?, notes = ?, amount = ?, version = ? WHERE id = ?`, [
        b.description,
        b.date,
        b.notes,
        b.amount,
        b.version,
        b.id,
      ]);
    },
    async setShareAmount(billId, userId, amount, unpaidOnly) {
      const sql = `UPDATE bill_shares SET amount = ? WHERE bill_id = ? AND user_id = ?${unpaidOnly ? ' AND paid_at IS NULL' : ''}`;
      return (await db.run(sql, [amount, billId, userId])) === 1;
    },
    async deleteShare(billId, userId, unpaidOnly) {
      const sql = `DELETE FROM bill_shares WHERE bill_id = ? AND user_id = ?${unpaidOnly ? ' AND paid_at IS NULL' : ''}`;
      return (await db.run(sql, [billId, userId])) === 1;
    },
    async appendShare(billId, userId, amount, paidAt) {
      await db.run(
        `INSERT INTO bill_shares (bill_id, user_id, position, amount, paid_at)
         SELECT ?, ?, COALESCE(MAX(position), -1) + 1, ?, ? FROM bill_shares WHERE bill_id = ?`,
        [billId, userId, amount, paidAt, billId],
      );
    },
    async insertRevision(billId, version, at, actorId, changes) {
      await db.run(`INSERT INTO bill_revisions (bill_id, version, at, actor_id, changes) VALUES (?, ?, ?, ?, ?)`, [
        billId,
        version,
        at,
        actorId,
        changes,
      ]);
    },
    async listRevisions(billId) {
      const rows = await db.all(
        `SELECT r.version, r.at, r.actor_id, u.name, r.changes FROM bill_revisions r JOIN users u ON u.id = r.actor_id WHERE r.bill_id = ? ORDER BY r.version`,
        [billId],
      );
      return rows.map((r) => ({ version: n(r.version), at: s(r.at), actorId: s(r.actor_id), actorName: s(r.name), changes: s(r.changes) }));
    },

    async insertPayment(p) {
      await db.run(
        `INSERT INTO payments (id, group_id, from_id, to_id, amount, currency, note, status, created_at, confirmed_at, disputed_at, dispute_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          p.id,
          p.groupId,
          p.fromId,
          p.toId,
          p.amount,
          p.currency,
          p.note,
          p.status,
          p.createdAt,
          p.confirmedAt,
          p.disputedAt,
          p.disputeReason,
        ],
      );
    },
    async getPayment(paymentId) {
      const r = await db.get(`SELECT * FROM payments WHERE id = ?`, [paymentId]);
      return r && payment(r);
    },
    async listPayments(groupId, limit, beforeId) {
      const rows =
        beforeId === undefined
          ? await db.all(`SELECT * FROM payments WHERE group_id = ? ORDER BY id DESC LIMIT ?`, [groupId, limit])
          : await db.all(`SELECT * FROM payments WHERE group_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, [groupId, beforeId, limit]);
      return rows.map(payment);
    },
    async settlePayment(paymentId, status, at, reason) {
      const sql =
        status === 'confirmed'
          ? `UPDATE payments SET status = 'confirmed', confirmed_at = ? WHERE id = ? AND status = 'pending'`
          : `UPDATE payments SET status = 'disputed', disputed_at = ?, dispute_reason = ? WHERE id = ? AND status = 'pending'`;
      const params = status === 'confirmed' ? [at, paymentId] : [at, reason, paymentId];
      return (await db.run(sql, params)) === 1;
    },
    async pendingPayments(groupId, userId) {
      const r = await db.get(
        `SELECT COUNT(*) AS count FROM payments WHERE group_id = ? AND status = 'pending' AND (from_id = ? OR to_id = ?)`,
        [groupId, userId, userId],
      );
      return n(r?.count ?? 0);
    },
    async owedParts(groupId, debtorId, creditorId) {
      const rows = await db.all(
        `SELECT b.id, sh.amount FROM bills b JOIN bill_shares sh ON sh.bill_id = b.id
         WHERE b.group_id = ? AND b.owner_id = ? AND b.deleted_at IS NULL AND sh.user_id = ? AND sh.paid_at IS NULL
         ORDER BY b.expense_date, b.id`,
        [groupId, creditorId, debtorId],
      );
      return rows.map((r) => ({ billId: s(r.id), amount: n(r.amount) }));
    },
    async closeShare(billId, userId, paidAt, paymentId) {
      return (
        (await db.run(`UPDATE bill_shares SET paid_at = ?, payment_id = ? WHERE bill_id = ? AND user_id = ? AND paid_at IS NULL`, [
          paidAt,
          paymentId,
          billId,
          userId,
        ])) === 1
      );
    },

    async recordReminder(billId, userId, at, windowStart) {
      const changed = await db.run(
        `INSERT INTO bill_reminders (bill_id, user_id, reminded_at) VALUES (?, ?, ?)
         ON CONFLICT (bill_id, user_id) DO UPDATE SET reminded_at = excluded.reminded_at WHERE bill_reminders.reminded_at < ?`,
        [billId, userId, at, windowStart],
      );
      return changed === 1;
    },
    async lastReminders(billId) {
      const rows = await db.all(`SELECT user_id, reminded_at FROM bill_reminders WHERE bill_id = ?`, [billId]);
      return new Map(rows.map((r) => [s(r.user_id), s(r.reminded_at)]));
    },
  };
}

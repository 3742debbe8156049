// Bills: create, pay, undo a payment, delete. Each runs in one transaction (src/commands/unit-of-work.ts) and writes the
// change, the per-pair debt totals and one notification row per recipient into its outbox; what to publish
// goes out only after commit.
import { AppError, invalid } from '../domain/errors.ts';
import { isCalendarDay, utcDay } from '../domain/dates.ts';
import { newId } from '../domain/ids.ts';
import { computeSplit } from '../domain/split.ts';
import { MAX_GROUP_DEBT } from '../domain/money.ts';
import type { Bill, CreateBillBody } from '../contract/schemas.ts';
import type { BillRow, Ops, UserRow } from '../store/store.ts';
import { presentBill } from '../present/entities.ts';
import { billEventJson } from '../present/notifications.ts';
import type { Outbox } from '../notify/outbox.ts';
import type { Deps } from './deps.ts';
import type { Context } from './unit-of-work.ts';
import { lockedGroupForBill, visibleBill, visibleGroup } from './access.ts';
import { activityRow, appendActivity, lockGroup } from './activity.ts';
import { requireMembers, requireOtherReceiver } from './split-rules.ts';
import { pageOf } from './page.ts';

/**
 * The bill, read again once its group's write lock (./activity.ts) and then its own row lock
 * (src/store/money-ops.ts lockBills) are held, so what is checked is current. Group first, then bills,
 * everywhere (edits, payments, confirmations): one lock order, so no two commands deadlock.
 */
export async function lockedBill(tx: Ops, billId: string, actorId: string): Promise<BillRow> {
  await lockGroup(tx, (await visibleBill(tx, billId, actorId)).groupId);
  await tx.lockBills([billId]);
  return visibleBill(tx, billId, actorId);
}
const billRef = (b: BillRow) => ({ id: b.id, description: b.description, amount: b.amount });

const byUserId = <T extends { userId: string }>(parts: T[]) =>
  [...parts].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));

async function refreshGroup(tx: Ops, outbox: Outbox, groupId: string) {
  const members = await tx.listMembers(groupId);
  outbox.groupUpdates.push({ groupId, memberIds: members.map((m) => m.id) });
}

export type CreateBillInput = { actor: UserRow; groupId: string; input: CreateBillBody };
export type BillInput = { actor: UserRow; billId: string };

export async function createBill({ tx, outbox, now }: Context, { actor, groupId, input }: CreateBillInput): Promise<Bill> {
  const parts = computeSplit(input.amount, input.split).filter((p) => p.amount > 0);
  const receivers = parts.filter((p) => p.userId !== actor.id);
  requireOtherReceiver(receivers, actor.id);
  // The group's lock before its member list: a member cannot leave while a bill naming them is written.
  const { group, memberIds, debtTotal: total } = await lockedGroupForBill(tx, groupId, actor.id);
  requireMembers(input.split, new Set(memberIds));
  // Only a new bill makes debts grow (paying and deleting shrink them), so checking here keeps every sum
  // the balances compute exact (src/domain/money.ts MAX_GROUP_DEBT says why this bound suffices).
  const owed = receivers.reduce((sum, r) => sum + r.amount, 0);
  if (total + owed > MAX_GROUP_DEBT) {
    throw new AppError(
      'amount_limit',
      `This bill would bring the group's unpaid debts to ${total + owed} minor units, over the limit of ${MAX_GROUP_DEBT}; settle some first`,
    );
  }
  const createdAt = now().toISOString();
  if (input.date !== undefined && !isCalendarDay(input.date)) throw invalid('date', 'must be a day of the calendar as YYYY-MM-DD');
  const row: BillRow = {
    id: newId(),
    groupId: group.id,
    ownerId: actor.id,
    description: input.description,
    amount: input.amount,
    currency: group.currency,
    createdAt,
    deletedAt: null,
    version: 1,
    date: input.date ?? utcDay(createdAt),
    notes: input.notes ?? '',
    // The owner paid the whole bill, so the owner's own part is settled at once.
    shares: parts.map((p) => ({ userId: p.userId, amount: p.amount, paidAt: p.userId === actor.id ? createdAt : null })),
  };
  const bill = presentBill(row);
  const data = billEventJson(row, group, actor);
  // Rows are locked in user-id order (debts, then notification counters), so two bills naming the same
  // people in another order cannot deadlock. The group's row (its activity counter and version) is written
  // in the bill's statement: it is this transaction's since the lock above, so that waits for no one, and
  // its version moves here rather than in a statement of the unit of work's own at the end.
  const sorted = byUserId(receivers);
  const { version, notifications } = await tx.insertBillWithActivity(
    row,
    sorted.map((r) => ({ debtorId: r.userId, creditorId: actor.id, delta: r.amount })),
    activityRow(actor, createdAt, { type: 'bill.created', data: { bill: billRef(row) } }),
    sorted.map((r) => ({ userId: r.userId, type: 'bill.created', createdAt, data: data(r.amount) })),
  );
  outbox.notifications.push(...notifications);
  outbox.groupUpdates.push({ groupId: group.id, memberIds, version });
  return bill;
}

export async function payBill({ tx, outbox, now }: Context, { actor, billId }: BillInput): Promise<Bill> {
  const row = await lockedBill(tx, billId, actor.id);
  const share = row.shares.find((s) => s.userId === actor.id);
  if (!share || row.ownerId === actor.id) throw new AppError('forbidden', 'You have no part to pay on this bill');
  if (share.paidAt !== null) throw new AppError('already_paid', 'Your part of this bill is already paid');
  const paidAt = now().toISOString();
  await tx.markSharePaid(row.id, actor.id, paidAt);
  share.paidAt = paidAt;
  await appendActivity(tx, row.groupId, actor, paidAt, { type: 'bill.paid', data: { bill: billRef(row), amount: share.amount } });
  await tx.addDebt(row.groupId, actor.id, row.ownerId, -share.amount);
  const group = (await tx.getGroup(row.groupId))!;
  const bill = presentBill(row);
  outbox.notifications.push(await tx.appendNotification(row.ownerId, 'bill.paid', paidAt, billEventJson(row, group, actor)(share.amount)));
  await refreshGroup(tx, outbox, row.groupId);
  return bill;
}

/**
 * The payer takes back "Mark as paid" within the undo window (a mistaken tap): the part is owed again, the
 * pair's debt grows back by exactly the part, and the owner gets bill.unpaid. After the window the payment
 * stands (409 undo_window_passed): the owner has been told, and may have acted on it.
 */
export async function unpayBill({ tx, outbox, now, unpayWindowMs }: Context, { actor, billId }: BillInput): Promise<Bill> {
  // The group's lock first, as every writer of a group takes it: without it an undo took the pair total and
  // the counter before the group row (at its version bump), the opposite order of a new bill's.
  const row = await lockedBill(tx, billId, actor.id);
  const share = row.shares.find((s) => s.userId === actor.id);
  if (!share || row.ownerId === actor.id) throw new AppError('forbidden', 'You have no part to mark unpaid on this bill');
  if (share.paidAt === null) throw new AppError('not_paid', 'Your part of this bill is not marked paid');
  const at = now();
  if (at.getTime() - Date.parse(share.paidAt) > unpayWindowMs) {
    throw new AppError(
      'undo_window_passed',
      `A payment can be undone for ${Math.round(unpayWindowMs / 1000)} seconds after it was marked; this one is older`,
    );
  }
  // Conditional on the paidAt read above: a concurrent undo (or a pay in between) finds nothing to change.
  if (!(await tx.markShareUnpaid(row.id, actor.id, share.paidAt)))
    throw new AppError('not_paid', 'Your part of this bill is not marked paid');
  share.paidAt = null;
  await tx.addDebt(row.groupId, actor.id, row.ownerId, share.amount);
  const group = (await tx.getGroup(row.groupId))!;
  const bill = presentBill(row);
  outbox.notifications.push(
    await tx.appendNotification(row.ownerId, 'bill.unpaid', at.toISOString(), billEventJson(row, group, actor)(share.amount)),
  );
  await refreshGroup(tx, outbox, row.groupId);
  return bill;
}

export async function deleteBill({ tx, outbox, now }: Context, { actor, billId }: BillInput): Promise<void> {
  const row = await lockedBill(tx, billId, actor.id);
  if (row.ownerId !== actor.id) throw new AppError('forbidden', 'Only the bill owner can delete it');
  const receivers = row.shares.filter((s) => s.userId !== row.ownerId);
  if (receivers.some((s) => s.paidAt !== null))
    throw new AppError('bill_has_payments', 'A bill cannot be deleted once someone has paid a part');
  const at = now().toISOString();
  await tx.markBillDeleted(row.id, at);
  await appendActivity(tx, row.groupId, actor, at, { type: 'bill.deleted', data: { bill: billRef(row) } });
  const group = (await tx.getGroup(row.groupId))!;
  const data = billEventJson(row, group, actor);
  const sorted = byUserId(receivers);
  await tx.addDebts(
    row.groupId,
    sorted.map((r) => ({ debtorId: r.userId, creditorId: row.ownerId, delta: -r.amount })),
  );
  outbox.notifications.push(
    ...(await tx.appendNotifications(
      sorted.map((r) => ({ userId: r.userId, type: 'bill.cancelled', createdAt: at, data: data(r.amount) })),
    )),
  );
  await refreshGroup(tx, outbox, row.groupId);
}

export async function getBill(deps: Deps, actor: UserRow, billId: string): Promise<Bill> {
  return presentBill(await visibleBill(deps.store.read, billId, actor.id));
}

export async function listBills(deps: Deps, actor: UserRow, groupId: string, limit: number, cursor: string | undefined) {
  const ops = deps.store.read;
  await visibleGroup(ops, groupId, actor.id);
  const rows = await ops.listBills(groupId, limit + 1, cursor);
  const { page, nextCursor } = pageOf(rows, limit);
  return { bills: page.map(presentBill), nextCursor };
}

// Editing a bill (issue 15): owner only, with optimistic concurrency (If-Match: "<version>", RFC 9110
// §13.1.1; 428 without it, RFC 6585 §3), and the rule that a part someone already paid never changes.
// The per-pair debt totals move by exactly the change in unpaid parts, so balances stay what the parts say.
import { AppError, invalid } from '../domain/errors.ts';
import { isCalendarDay } from '../domain/dates.ts';
import { computeSplit } from '../domain/split.ts';
import { MAX_GROUP_DEBT } from '../domain/money.ts';
import type { BillUpdatedData } from '../contract/events.ts';
import type { Bill, HistoryResponse, UpdateBillBody } from '../contract/schemas.ts';
import type { BillRow, DebtChange, NewNotification, UserRow } from '../store/store.ts';
import { presentBill } from '../present/entities.ts';
import { billEventJson, billSummary } from '../present/notifications.ts';
import type { Deps } from './deps.ts';
import type { Context } from './unit-of-work.ts';
import { visibleBill } from './access.ts';
import { appendActivity } from './activity.ts';
import { lockedBill } from './bills.ts';
import { requireMembers, requireOtherReceiver } from './split-rules.ts';

export type EditBillInput = { actor: UserRow; billId: string; ifMatch: string | undefined; input: UpdateBillBody };

/**
 * Whether an If-Match field value names this version: a list of strong entity-tags or "*" (RFC 9110
 * §13.1.1). If-Match uses the strong comparison, so a weak tag (W/"3") never matches.
 */
export function ifMatchNames(field: string, version: number): boolean {
  const tags = field.split(',').map((t) => t.trim());
  return tags.some((t) => t === '*' || t === `"${version}"`);
}

export const etagOf = (version: number) => `"${version}"`;

type PartMap = Map<string, { amount: number; paidAt: string | null }>;
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function editBill({ tx, outbox, now }: Context, { actor, billId, ifMatch, input }: EditBillInput): Promise<Bill> {
  // The group's lock, then the bill's row lock (./bills.ts lockedBill): a payment of one of its parts (pay,
  // or a confirmed payment) waits for this edit, or this edit for it, and then reads what the other wrote;
  // a member cannot leave while an edit names them.
  const row = await lockedBill(tx, billId, actor.id);
  if (row.ownerId !== actor.id) throw new AppError('forbidden', 'Only the bill owner can edit it');
  if (ifMatch === undefined)
    throw new AppError('precondition_required', `Send If-Match: "${row.version}" (the ETag of GET /api/bills/${row.id}) to edit this bill`);
  if (!ifMatchNames(ifMatch, row.version)) {
    throw new AppError('precondition_failed', `The bill changed meanwhile: it is at version ${row.version}; reload it and edit again`);
  }
  if ((input.amount === undefined) !== (input.split === undefined)) {
    const missing = input.amount === undefined ? 'amount' : 'split';
    throw invalid(missing, 'amount and split change together: send both or neither');
  }
  if (input.date !== undefined && !isCalendarDay(input.date)) throw invalid('date', 'must be a day of the calendar as YYYY-MM-DD');

  const members = await tx.listMembers(row.groupId);
  const old: PartMap = new Map(row.shares.map((s) => [s.userId, { amount: s.amount, paidAt: s.paidAt }]));
  let next: PartMap = old;
  let nextOrder = row.shares.map((s) => s.userId);
  if (input.amount !== undefined && input.split !== undefined) {
    const parts = computeSplit(input.amount, input.split).filter((p) => p.amount > 0);
    requireOtherReceiver(parts, row.ownerId);
    requireMembers(input.split, new Set(members.map((m) => m.id)));
    next = new Map(parts.map((p) => [p.userId, { amount: p.amount, paidAt: old.get(p.userId)?.paidAt ?? null }]));
    nextOrder = parts.map((p) => p.userId);
    // A receiver's paid part is settled money: it may neither change nor go (issue 15).
    for (const [userId, part] of old) {
      if (userId === row.ownerId || part.paidAt === null) continue;
      const after = next.get(userId);
      if (after === undefined)
        throw new AppError('share_paid', `${userId} already paid a part of this bill, so they cannot be removed from it`);
      if (after.amount !== part.amount)
        throw new AppError('share_paid', `${userId} already paid ${part.amount} of this bill, so their part cannot change`);
    }
  }

  const at = now().toISOString();
  const after: BillRow = {
    ...row,
    description: input.description ?? row.description,
    date: input.date ?? row.date,
    notes: input.notes ?? row.notes,
    amount: input.amount ?? row.amount,
    version: row.version + 1,
    // The owner paid the whole bill, so the owner's own part stays settled (a new one is settled now).
    shares: nextOrder.map((userId) => {
      const part = next.get(userId)!;
      return { userId, amount: part.amount, paidAt: userId === row.ownerId ? (part.paidAt ?? at) : part.paidAt };
    }),
  };

  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of ['description', 'date', 'notes', 'amount'] as const) {
    if (after[field] !== row[field]) changes[field] = { from: row[field], to: after[field] };
  }
  const sharesOf = (b: BillRow) => b.shares.map((s) => ({ userId: s.userId, amount: s.amount }));
  if (JSON.stringify(sharesOf(row)) !== JSON.stringify(sharesOf(after))) changes.shares = { from: sharesOf(row), to: sharesOf(after) };
  // Nothing changed: no new version, no revision, nobody told.
  if (Object.keys(changes).length === 0) return presentBill(row);

  // Debts move by the change in unpaid parts only (paid parts do not change, the owner's is settled).
  const unpaid = (parts: PartMap, userId: string) => {
    const p = parts.get(userId);
    return p === undefined || p.paidAt !== null || userId === row.ownerId ? 0 : p.amount;
  };
  const everyone = [...new Set([...old.keys(), ...next.keys()])].sort(compareIds);
  const deltas: DebtChange[] = everyone
    .map((userId) => ({ debtorId: userId, creditorId: row.ownerId, delta: unpaid(next, userId) - unpaid(old, userId) }))
    .filter((d) => d.delta !== 0);
  const raise = deltas.reduce((sum, d) => sum + d.delta, 0);
  if (raise > 0) {
    const total = await tx.debtTotal(row.groupId);
    if (total + raise > MAX_GROUP_DEBT) {
      throw new AppError(
        'amount_limit',
        `This edit would bring the group's unpaid debts to ${total + raise} minor units, over the limit of ${MAX_GROUP_DEBT}; settle some first`,
      );
    }
  }

  await tx.updateBill({
    id: row.id,
    description: after.description,
    date: after.date,
    notes: after.notes,
    amount: after.amount,
    version: after.version,
  });
  for (const userId of everyone) {
    const before = old.get(userId);
    const later = next.get(userId);
    const own = userId === row.ownerId;
    // Guarded by "unpaid" for receivers: under the bill's lock nothing can pay in between, and were it to,
    // the statement would change nothing and the edit would stop instead of rewriting a paid part.
    let ok = true;
    if (before && !later) ok = await tx.deleteShare(row.id, userId, !own);
    else if (!before && later) await tx.appendShare(row.id, userId, later.amount, own ? at : null);
    else if (before && later && before.amount !== later.amount) ok = await tx.setShareAmount(row.id, userId, later.amount, !own);
    if (!ok) throw new AppError('share_paid', `${userId} paid their part of this bill meanwhile`);
  }
  if (deltas.length > 0) await tx.addDebts(row.groupId, deltas);
  await tx.insertRevision(row.id, after.version, at, actor.id, JSON.stringify(changes));
  await appendActivity(tx, row.groupId, actor, at, {
    type: 'bill.updated',
    data: {
      bill: { id: after.id, description: after.description, amount: after.amount },
      version: after.version,
      changed: Object.keys(changes),
    },
  });

  // Who hears of it: a receiver whose part changed or who was added, or every receiver when what the bill
  // is (description, date) changed; a receiver taken out of the split gets bill.cancelled.
  const group = (await tx.getGroup(row.groupId))!;
  const told = Boolean(changes.description || changes.date);
  const summary = billSummary(after);
  const base = { bill: summary, group: { id: group.id, name: group.name }, actor: { id: actor.id, name: actor.name } };
  const cancelled = billEventJson(row, group, actor);
  const items: NewNotification[] = [];
  for (const userId of everyone) {
    if (userId === row.ownerId) continue;
    const before = old.get(userId);
    const later = next.get(userId);
    if (before && !later) {
      items.push({ userId, type: 'bill.cancelled', createdAt: at, data: cancelled(before.amount) });
    } else if (later && (told || !before || before.amount !== later.amount)) {
      const data: BillUpdatedData = {
        ...base,
        amount: later.amount,
        previous: { amount: before?.amount ?? 0, description: row.description },
      };
      items.push({ userId, type: 'bill.updated', createdAt: at, data: JSON.stringify(data) });
    }
  }
  outbox.notifications.push(...(await tx.appendNotifications(items)));
  outbox.groupUpdates.push({ groupId: row.groupId, memberIds: members.map((m) => m.id) });
  return presentBill(after);
}

export async function billHistory(deps: Deps, actor: UserRow, billId: string): Promise<HistoryResponse> {
  const ops = deps.store.read;
  const row = await visibleBill(ops, billId, actor.id);
  const [owner, revisions] = await Promise.all([ops.getUser(row.ownerId), ops.listRevisions(row.id)]);
  return {
    revisions: [
      // Version 1 is the bill as created: nothing changed yet.
      { version: 1, at: row.createdAt, actor: { id: row.ownerId, name: owner?.name ?? '' }, changes: {} },
      ...revisions.map((r) => ({
        version: r.version,
        at: r.at,
        actor: { id: r.actorId, name: r.actorName },
        changes: JSON.parse(r.changes),
      })),
    ],
  };
}

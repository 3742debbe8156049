// Payments between two members (issue 15): the payer records one, the payee confirms or disputes it.
// Only a confirmed payment counts: it closes the payer's unpaid parts owed to the payee, oldest bill first,
// each part whole while what is left covers it (src/domain/settle-up.ts), and what is left over is a credit
// of the payer with the payee, kept in the pair totals as the payee's debt to the payer (docs/api.md,
// "Payments and balances"), so balances always equal unpaid parts and confirmed payments.
import { AppError, invalid } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { MAX_GROUP_DEBT } from '../domain/money.ts';
import { closeParts } from '../domain/settle-up.ts';
import type { PaymentEventData } from '../contract/events.ts';
import type { CreatePaymentBody, Payment, PaymentsResponse } from '../contract/schemas.ts';
import type { GroupRow, Ops, UserRow } from '../store/store.ts';
import type { PaymentRow } from '../store/money-ops.ts';
import { presentPayment } from '../present/entities.ts';
import { billEventJson } from '../present/notifications.ts';
import type { Outbox } from '../notify/outbox.ts';
import type { Deps } from './deps.ts';
import type { Context } from './unit-of-work.ts';
import { visibleGroup, visibleGroupWithMembers } from './access.ts';
import { appendActivity, lockGroup } from './activity.ts';
import { pageOf } from './page.ts';

export type RecordPaymentInput = { actor: UserRow; groupId: string; input: CreatePaymentBody };
export type SettlePaymentInput = { actor: UserRow; paymentId: string; reason?: string };

const paymentJson = (payment: PaymentRow, group: GroupRow, actor: UserRow, reason?: string) => {
  const data: PaymentEventData = {
    payment: presentPayment(payment),
    group: { id: group.id, name: group.name },
    actor: { id: actor.id, name: actor.name },
    ...(reason ? { reason } : {}),
  };
  return JSON.stringify(data);
};

/** The payment as the group's history names it (src/contract/activity.ts). */
const paymentRef = (p: PaymentRow, from: { id: string; name: string }, to: { id: string; name: string }) => ({
  id: p.id,
  from: { id: from.id, name: from.name },
  to: { id: to.id, name: to.name },
  amount: p.amount,
});

async function refreshGroup(tx: Ops, outbox: Outbox, groupId: string) {
  const members = await tx.listMembers(groupId);
  outbox.groupUpdates.push({ groupId, memberIds: members.map((m) => m.id) });
}

export async function recordPayment({ tx, outbox, now }: Context, { actor, groupId, input }: RecordPaymentInput): Promise<Payment> {
  if (input.to === actor.id) throw invalid('to', 'is you: a payment goes to another member');
  // The group's lock before its member list (./activity.ts): the payee cannot leave meanwhile.
  await lockGroup(tx, groupId);
  const { group, members } = await visibleGroupWithMembers(tx, groupId, actor.id);
  const payee = members.find((m) => m.id === input.to);
  if (!payee) throw new AppError('not_found', 'No such member in this group');
  // Only the payee can confirm, and a pending member cannot sign in: the payment would wait for someone who
  // may never come, and claiming them would hand it to whoever took the link. Pay them once they join.
  if (payee.pending)
    throw new AppError('member_pending', `${payee.name} has not joined yet, so they could not confirm a payment; record it once they join`);
  const row: PaymentRow = {
    id: newId(),
    groupId: group.id,
    fromId: actor.id,
    toId: input.to,
    amount: input.amount,
    currency: group.currency,
    note: input.note ?? '',
    status: 'pending',
    createdAt: now().toISOString(),
    confirmedAt: null,
    disputedAt: null,
    disputeReason: null,
  };
  await tx.insertPayment(row);
  await appendActivity(tx, group.id, actor, row.createdAt, { type: 'payment.recorded', data: { payment: paymentRef(row, actor, payee) } });
  outbox.notifications.push(await tx.appendNotification(input.to, 'payment.recorded', row.createdAt, paymentJson(row, group, actor)));
  outbox.groupUpdates.push({ groupId: group.id, memberIds: members.map((m) => m.id) });
  return presentPayment(row);
}

/** The payment, seen by a member of its group (404 otherwise), that only its payee may settle (403), while pending (409). */
async function pendingForPayee(tx: Ops, paymentId: string, actor: UserRow): Promise<{ payment: PaymentRow; group: GroupRow }> {
  const seen = await tx.getPayment(paymentId);
  if (!seen || !(await tx.isMember(seen.groupId, actor.id))) throw new AppError('not_found', 'Payment not found');
  // The group's lock first, then everything is read again under it (./activity.ts: group, then bills).
  await lockGroup(tx, seen.groupId);
  const payment = await tx.getPayment(paymentId);
  if (!payment || !(await tx.isMember(payment.groupId, actor.id))) throw new AppError('not_found', 'Payment not found');
  if (payment.toId !== actor.id) throw new AppError('forbidden', 'Only the member the payment was made to can confirm or dispute it');
  if (payment.status !== 'pending') throw new AppError('payment_not_pending', `This payment is already ${payment.status}`);
  return { payment, group: (await tx.getGroup(payment.groupId))! };
}

export async function confirmPayment({ tx, outbox, now }: Context, { actor, paymentId }: SettlePaymentInput): Promise<Payment> {
  const { payment, group } = await pendingForPayee(tx, paymentId, actor);
  const payer = (await tx.getUser(payment.fromId))!;
  // Lock the bills whose parts this payment may close (in id order), then read the parts again under the
  // locks: an edit or a direct payment of one of them ran before (and is seen) or waits for this one. A bill
  // made after the first read is not locked, so it is not closed now (its parts are left for the next payment).
  const candidates = await tx.owedParts(payment.groupId, payment.fromId, payment.toId);
  const locked = new Set(candidates.map((p) => p.billId));
  await tx.lockBills([...locked]);
  const parts = (await tx.owedParts(payment.groupId, payment.fromId, payment.toId)).filter((p) => locked.has(p.billId));
  const { closed, credit } = closeParts(parts, payment.amount);
  const paid = closed.reduce((sum, p) => sum + p.amount, 0);
  // Confirming raises the group's total when the credit is larger than what it closes.
  if (credit - paid > 0) {
    const total = await tx.debtTotal(payment.groupId);
    if (total + credit - paid > MAX_GROUP_DEBT) {
      throw new AppError(
        'amount_limit',
        `Confirming would bring the group's unpaid debts to ${total + credit - paid} minor units, over the limit of ${MAX_GROUP_DEBT}; settle some first`,
      );
    }
  }
  const at = now().toISOString();
  if (!(await tx.settlePayment(payment.id, 'confirmed', at, null)))
    throw new AppError('payment_not_pending', 'This payment was settled meanwhile');
  const confirmed: PaymentRow = { ...payment, status: 'confirmed', confirmedAt: at };
  await appendActivity(tx, payment.groupId, actor, at, {
    type: 'payment.confirmed',
    data: { payment: paymentRef(confirmed, payer, actor) },
  });

  const billed: string[] = [];
  for (const part of closed) {
    if (!(await tx.closeShare(part.billId, payment.fromId, at, payment.id)))
      throw new Error(`confirmPayment: part ${part.billId}/${payment.fromId} was not unpaid under its lock`);
    billed.push(part.billId);
  }
  // The pair totals, each pair row once and in user-id order with the other writers (src/commands/bills.ts).
  const changes = [
    { debtorId: payment.fromId, creditorId: payment.toId, delta: -paid },
    { debtorId: payment.toId, creditorId: payment.fromId, delta: credit },
  ]
    .filter((c) => c.delta !== 0)
    .sort((a, b) => (a.debtorId < b.debtorId ? -1 : 1));
  await tx.addDebts(payment.groupId, changes);

  // The owner of each closed bill (the payee) hears bill.paid as for a direct payment, with `via`.
  const notes = [];
  for (const billId of billed) {
    const bill = (await tx.getBill(billId))!;
    const part = bill.shares.find((s) => s.userId === payment.fromId)!;
    const data = billEventJson(bill, group, payer)(part.amount);
    notes.push({
      userId: bill.ownerId,
      type: 'bill.paid',
      createdAt: at,
      data: `${data.slice(0, -1)},"via":${JSON.stringify({ paymentId: payment.id })}}`,
    });
  }
  notes.push({ userId: payment.fromId, type: 'payment.confirmed', createdAt: at, data: paymentJson(confirmed, group, actor) });
  // Receivers' counters in user-id order (the payee's bill.paid rows, then or before the payer's row).
  notes.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  outbox.notifications.push(...(await tx.appendNotifications(notes)));
  await refreshGroup(tx, outbox, payment.groupId);
  return presentPayment(confirmed);
}

export async function disputePayment({ tx, outbox, now }: Context, { actor, paymentId, reason }: SettlePaymentInput): Promise<Payment> {
  const { payment, group } = await pendingForPayee(tx, paymentId, actor);
  const at = now().toISOString();
  if (!(await tx.settlePayment(payment.id, 'disputed', at, reason ?? null)))
    throw new AppError('payment_not_pending', 'This payment was settled meanwhile');
  const disputed: PaymentRow = { ...payment, status: 'disputed', disputedAt: at, disputeReason: reason ?? null };
  const payer = (await tx.getUser(payment.fromId))!;
  await appendActivity(tx, payment.groupId, actor, at, { type: 'payment.disputed', data: { payment: paymentRef(disputed, payer, actor) } });
  outbox.notifications.push(
    await tx.appendNotification(payment.fromId, 'payment.disputed', at, paymentJson(disputed, group, actor, reason)),
  );
  await refreshGroup(tx, outbox, payment.groupId);
  return presentPayment(disputed);
}

export async function listPayments(
  deps: Deps,
  actor: UserRow,
  groupId: string,
  limit: number,
  cursor: string | undefined,
): Promise<PaymentsResponse> {
  const ops = deps.store.read;
  await visibleGroup(ops, groupId, actor.id);
  const rows = await ops.listPayments(groupId, limit + 1, cursor);
  const { page, nextCursor } = pageOf(rows, limit);
  return { payments: page.map(presentPayment), nextCursor };
}

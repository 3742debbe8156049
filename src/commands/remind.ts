// Reminding receivers to pay their part (issue 15): owner only; one receiver, or every receiver with an
// unpaid part; at most one reminder per (bill, receiver) per 24 hours.
import { AppError } from '../domain/errors.ts';
import type { UserRow } from '../store/store.ts';
import { billEventJson } from '../present/notifications.ts';
import type { Context } from './unit-of-work.ts';
import { visibleBill } from './access.ts';
import { lockGroup } from './activity.ts';

export const REMIND_WINDOW_MS = 24 * 3600_000;

export type RemindInput = { actor: UserRow; billId: string; userId?: string };

export async function remind({ tx, outbox, now }: Context, { actor, billId, userId }: RemindInput): Promise<{ reminded: string[] }> {
  // The group's lock first, as every group writer (./activity.ts): a receiver cannot leave between the read
  // of who owes and their reminder. No activity event: a reminder changes nothing in the group (no money,
  // no member), and it is addressed to one person; the group's history is not a list of who was nudged.
  await lockGroup(tx, (await visibleBill(tx, billId, actor.id)).groupId);
  const row = await visibleBill(tx, billId, actor.id);
  if (row.ownerId !== actor.id) throw new AppError('forbidden', 'Only the bill owner can send reminders');
  const owing = row.shares.filter((s) => s.userId !== row.ownerId && s.paidAt === null);
  const named = userId === undefined ? owing : owing.filter((s) => s.userId === userId);
  if (named.length === 0) {
    throw new AppError('nothing_owed', userId === undefined ? 'Nobody owes on this bill' : 'That member owes nothing on this bill');
  }
  const at = now();
  const windowStart = new Date(at.getTime() - REMIND_WINDOW_MS).toISOString();
  // Receivers' rows in user-id order, as every writer takes them.
  const sorted = [...named].sort((a, b) => (a.userId < b.userId ? -1 : 1));
  const reminded = [];
  for (const share of sorted) if (await tx.recordReminder(row.id, share.userId, at.toISOString(), windowStart)) reminded.push(share);
  if (reminded.length === 0) {
    // Every one of them was reminded within the window: say when the first can be reminded again.
    const last = await tx.lastReminders(row.id);
    const earliest = Math.min(...named.map((s) => Date.parse(last.get(s.userId) ?? at.toISOString())));
    const seconds = Math.max(1, Math.ceil((earliest + REMIND_WINDOW_MS - at.getTime()) / 1000));
    throw new AppError('reminded_recently', `Already reminded within the last 24 hours; try again in ${seconds} s`, undefined, {
      'retry-after': String(seconds),
    });
  }
  const group = (await tx.getGroup(row.groupId))!;
  const data = billEventJson(row, group, actor);
  const createdAt = at.toISOString();
  outbox.notifications.push(
    ...(await tx.appendNotifications(reminded.map((s) => ({ userId: s.userId, type: 'bill.reminder', createdAt, data: data(s.amount) })))),
  );
  return { reminded: reminded.map((s) => s.userId) };
}

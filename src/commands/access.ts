// Visibility rules shared by commands: a group, and the bills in it, exist only for its members.
// Anything else is 404, so existence is not leaked.
import { AppError } from '../domain/errors.ts';
import type { BillRow, GroupRow, MemberRow, Ops } from '../store/store.ts';

const groupNotFound = () => new AppError('not_found', 'Group not found');

export async function visibleGroup(ops: Ops, groupId: string, userId: string): Promise<GroupRow> {
  const [group, member] = await Promise.all([ops.getGroup(groupId), ops.isMember(groupId, userId)]);
  if (!group || !member) throw groupNotFound();
  return group;
}

/** The same rule, for a command that needs the member list anyway: one read serves both. */
export async function visibleGroupWithMembers(
  ops: Ops,
  groupId: string,
  userId: string,
): Promise<{ group: GroupRow; members: MemberRow[] }> {
  const [group, members] = await Promise.all([ops.getGroup(groupId), ops.listMembers(groupId)]);
  if (!group || !members.some((m) => m.id === userId)) throw groupNotFound();
  return { group, members };
}

/**
 * The group's write lock (./activity.ts lockGroup), then the group if the user belongs to it, its members'
 * ids and its unpaid debts' total, read under the lock (one round trip: src/store/queries.ts lockGroupForBill).
 */
export async function lockedGroupForBill(
  ops: Ops,
  groupId: string,
  userId: string,
): Promise<{ group: GroupRow; memberIds: string[]; debtTotal: number }> {
  const found = await ops.lockGroupForBill(groupId);
  if (!found?.memberIds.includes(userId)) throw groupNotFound();
  return found;
}

export async function visibleBill(ops: Ops, billId: string, userId: string): Promise<BillRow> {
  const bill = await ops.getBill(billId);
  if (!bill || bill.deletedAt !== null || !(await ops.isMember(bill.groupId, userId))) throw new AppError('not_found', 'Bill not found');
  return bill;
}

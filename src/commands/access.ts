// Visibility rules shared by commands: a group, and the bills in it, exist only for its members.
// Anything else is 404, so existence is not leaked.
import { AppError } from '../domain/errors.ts';
import type { BillRow, GroupRow, Ops } from '../store/store.ts';

export async function visibleGroup(ops: Ops, groupId: string, userId: string): Promise<GroupRow> {
  const [group, member] = await Promise.all([ops.getGroup(groupId), ops.isMember(groupId, userId)]);
  if (!group || !member) throw new AppError('not_found', 'Group not found');
  return group;
}

export async function visibleBill(ops: Ops, billId: string, userId: string): Promise<BillRow> {
  const bill = await ops.getBill(billId);
  if (!bill || bill.deletedAt !== null || !(await ops.isMember(bill.groupId, userId))) throw new AppError('not_found', 'Bill not found');
  return bill;
}

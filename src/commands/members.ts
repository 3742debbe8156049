// Leaving a group, removing a pending member, and telling a group that someone joined.
import { AppError } from '../domain/errors.ts';
import { netBalances } from '../domain/balances.ts';
import type { GroupRow, MemberRow, Ops, UserRow } from '../store/store.ts';
import type { Outbox } from '../notify/outbox.ts';
import { memberJoinedJson, memberRemovedJson } from '../present/notifications.ts';
import type { Context } from './unit-of-work.ts';
import { visibleGroupWithMembers } from './access.ts';
import { appendActivity, lockGroup } from './activity.ts';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export type RemoveMemberInput = { actor: UserRow; groupId: string; userId: string };

/**
 * DELETE /api/groups/:groupId/members/:userId: yourself (leave), or a pending member (any member may).
 * Only when the member owes nothing and is owed nothing in the group: otherwise a debt would be left with
 * someone who can no longer see it. That is three checks, all under the group's lock:
 * - no unpaid part either way (a part of a live bill could still be paid or edited);
 * - with every other member, the pair's net is 0. The pair totals are what balances are made of: unpaid
 *   parts, and the credits that confirmed payments leave (a credit is a positive row from the payee to the
 *   payer, src/commands/payments.ts), so a credit is money owed even when no part is unpaid; and a net of
 *   0 overall is not enough (owing Bob 20 while Carol owes you 20 is not settled);
 * - no pending payment from or to them (confirming it would move money, and the payee could no longer). Past bills keep their parts (history stays readable);
 * the person stops seeing the group and gets nothing more about it: every fan-out reads the current
 * member list, inside the same group lock as this removal (./activity.ts).
 */
export async function removeMember({ tx, outbox, now }: Context, { actor, groupId, userId }: RemoveMemberInput): Promise<void> {
  await lockGroup(tx, groupId);
  const { group, members } = await visibleGroupWithMembers(tx, groupId, actor.id);
  const member = members.find((m) => m.id === userId);
  if (!member) throw new AppError('not_found', 'Member not found');
  if (member.id !== actor.id && !member.pending)
    throw new AppError('forbidden', 'You can leave a group, or remove a pending member; not another member');
  const [parts, debts, pending] = await Promise.all([
    tx.unpaidParts(group.id, member.id),
    tx.listDebts(group.id),
    tx.pendingPayments(group.id, member.id),
  ]);
  const net = netBalances(
    [member.id],
    debts.map((d) => ({ from: d.debtorId, to: d.creditorId, amount: d.amount })),
  )[0].net;
  // Per other member: what the member owes them net of what they owe the member (pair totals, credits included).
  const pairs = new Map<string, number>();
  for (const d of debts) {
    if (d.debtorId === member.id) pairs.set(d.creditorId, (pairs.get(d.creditorId) ?? 0) + d.amount);
    else if (d.creditorId === member.id) pairs.set(d.debtorId, (pairs.get(d.debtorId) ?? 0) - d.amount);
  }
  const owesNet = [...pairs.values()].filter((v) => v > 0).reduce((a, b) => a + b, 0);
  const owedNet = [...pairs.values()].filter((v) => v < 0).reduce((a, b) => a - b, 0);
  if (parts.owes !== 0 || parts.owed !== 0 || owesNet !== 0 || owedNet !== 0 || pending !== 0) {
    const self = member.id === actor.id;
    const who = self ? 'You' : member.name;
    throw new AppError(
      'balance_not_settled',
      `${who} ${self ? 'owe' : 'owes'} ${parts.owes} and ${self ? 'are' : 'is'} owed ${parts.owed} in unpaid parts; ` +
        `with credits from confirmed payments, ${self ? 'you owe' : 'they owe'} ${owesNet} and ${self ? 'are' : 'are'} owed ${owedNet} (net ${net}), ` +
        `in minor units of ${group.currency}` +
        (pending !== 0
          ? `; ${pending} pending ${pending === 1 ? 'payment' : 'payments'} from or to ${self ? 'you' : 'them'} must be confirmed or disputed first`
          : '; settle up first'),
    );
  }
  await tx.removeMember(group.id, member.id);
  const at = now().toISOString();
  await appendActivity(tx, group.id, actor, at, { type: 'member.removed', data: { member: { id: member.id, name: member.name } } });
  const remaining = members.filter((m) => m.id !== member.id);
  const data = memberRemovedJson(group, member, actor);
  const receivers = remaining
    .map((m) => m.id)
    .filter((id) => id !== actor.id)
    .sort(byId);
  outbox.notifications.push(
    ...(await tx.appendNotifications(receivers.map((userId) => ({ userId, type: 'group.member_removed', createdAt: at, data })))),
  );
  outbox.groupUpdates.push({ groupId: group.id, memberIds: remaining.map((m) => m.id) });
}

/**
 * Someone became a member by themselves (registered as a pending member, or accepted an invite): every
 * other member hears group.member_joined, and the group's history records it. The group must be locked.
 */
export async function announceJoin(
  tx: Ops,
  outbox: Outbox,
  at: string,
  group: GroupRow,
  member: Pick<UserRow, 'id' | 'name'>,
  claimed?: Pick<MemberRow, 'id' | 'name'>,
): Promise<void> {
  await appendActivity(tx, group.id, member, at, {
    type: 'member.joined',
    data: { member: { id: member.id, name: member.name }, ...(claimed ? { claimed: { id: claimed.id, name: claimed.name } } : {}) },
  });
  const members = await tx.listMembers(group.id);
  const data = memberJoinedJson(group, member);
  const others = members
    .map((m) => m.id)
    .filter((id) => id !== member.id)
    .sort(byId);
  outbox.notifications.push(
    ...(await tx.appendNotifications(others.map((userId) => ({ userId, type: 'group.member_joined', createdAt: at, data })))),
  );
  outbox.groupUpdates.push({ groupId: group.id, memberIds: members.map((m) => m.id) });
}

/** Takes the write locks of the given groups in one order (by id), so two commands cannot wait on each other. */
export async function lockGroups(tx: Ops, groupIds: string[]): Promise<void> {
  for (const id of [...groupIds].sort(byId)) await lockGroup(tx, id);
}

/**
 * Registration with the address of a pending member: the pending row becomes the account (same id, so
 * every notification addressed to it is already the account's, ids unchanged), and each of its groups
 * hears that they joined. Locks: the groups first (by id), then the user row, as every group writer does.
 */
export async function activatePending(cx: Context, row: UserRow & { passwordHash: string }): Promise<UserRow | undefined> {
  const { tx, outbox, now } = cx;
  const found = await tx.findUserByEmail(row.email);
  if (!found?.pending) return undefined;
  const groupIds = (await tx.listGroupsOf(found.id)).map((g) => g.id);
  await lockGroups(tx, groupIds);
  const user = await tx.activatePendingUser(row);
  if (!user) return undefined;
  // Groups it was added to meanwhile (after the list above) are locked now, later than the rest.
  const groups = await tx.listGroupsOf(user.id);
  const late = groups.map((g) => g.id).filter((id) => !groupIds.includes(id));
  await lockGroups(tx, late);
  const at = now().toISOString();
  for (const group of groups) await announceJoin(tx, outbox, at, group, user);
  return user;
}

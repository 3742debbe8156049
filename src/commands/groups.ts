import { AppError, invalid } from '../domain/errors.ts';
import { appendActivity, lockGroup } from './activity.ts';
import { newId } from '../domain/ids.ts';
import { isCurrencyCode } from '../domain/money.ts';
import type { AddMemberBody, CreateGroupBody, Group } from '../contract/schemas.ts';
import type { UserRow } from '../store/store.ts';
import { presentGroup } from '../present/entities.ts';
import { memberAddedJson } from '../present/notifications.ts';
import type { Deps } from './deps.ts';
import type { Context } from './unit-of-work.ts';
import { visibleGroup } from './access.ts';
import { findAccount } from './auth.ts';
import { requireCanonicalEmail } from '../domain/email.ts';

export async function createGroup({ tx, now }: Context, { actor, input }: { actor: UserRow; input: CreateGroupBody }): Promise<Group> {
  const currency = input.currency ?? 'USD';
  if (!isCurrencyCode(currency)) throw invalid('currency', `${currency} is not an ISO 4217 currency code`);
  const createdAt = now().toISOString();
  const group = { id: newId(), name: input.name.trim(), currency, createdAt };
  await tx.insertGroup(group, actor.id);
  await tx.addMember(group.id, actor.id, createdAt);
  return presentGroup(group, [{ ...actor, pending: false }]);
}

export async function listGroups(deps: Deps, actor: UserRow): Promise<Group[]> {
  const ops = deps.store.read;
  const groups = await ops.listGroupsOf(actor.id);
  return Promise.all(groups.map(async (g) => presentGroup(g, await ops.listMembers(g.id))));
}

export async function getGroup(deps: Deps, actor: UserRow, groupId: string): Promise<Group> {
  const ops = deps.store.read;
  // The version first: everything read after it is at least as new, so a client may trust it to skip hints.
  const version = await ops.groupVersion(groupId);
  const group = await visibleGroup(ops, groupId, actor.id);
  return { ...presentGroup(group, await ops.listMembers(group.id)), version };
}

export type AddMemberInput = { actor: UserRow; groupId: string; input: AddMemberBody };

/** Until they register, a pending member added by address is called by its local part. */
const localPart = (email: string) => email.slice(0, email.lastIndexOf('@'));

/**
 * Adds an account by its address; an address with no account adds a pending member (the one pending row
 * for that address, reused by every group: src/store/migrations/sqlite/0006_members_invites_activity.sql);
 * a name alone adds a pending member without an address. A pending member gets no group.member_added
 * notification: nobody can read it before they join, and what reaches them on joining is what was
 * addressed to them as a member (their parts).
 */
export async function addMember({ tx, outbox, now }: Context, { actor, groupId, input }: AddMemberInput): Promise<Group> {
  if (input.email === undefined && input.name === undefined)
    throw invalid('email', 'is required, unless a name is given for a member without one');
  const email = input.email === undefined ? undefined : requireCanonicalEmail(input.email); // a look-alike spelling is refused, not looked up
  await lockGroup(tx, groupId);
  const group = await visibleGroup(tx, groupId, actor.id);
  const createdAt = now().toISOString();
  let member: { id: string; name: string; pending: boolean } | undefined =
    email === undefined ? undefined : await findAccount(tx, input.email!);
  if (!member) {
    const name = input.name?.trim() ?? localPart(email!);
    member = { id: newId(), name, pending: true };
    await tx.insertPendingUser({ id: member.id, name, email: email ?? null, createdAt });
  }
  if (!(await tx.addMember(group.id, member.id, createdAt))) {
    throw new AppError('already_member', `${member.name} is already a member`, [{ path: 'email', message: 'is already a member' }]);
  }
  await appendActivity(tx, group.id, actor, createdAt, {
    type: 'member.added',
    data: { member: { id: member.id, name: member.name, pending: member.pending } },
  });
  if (!member.pending)
    outbox.notifications.push(await tx.appendNotification(member.id, 'group.member_added', createdAt, memberAddedJson(group, actor)));
  const members = await tx.listMembers(group.id);
  outbox.groupUpdates.push({ groupId: group.id, memberIds: members.map((m) => m.id) });
  return presentGroup(group, members);
}

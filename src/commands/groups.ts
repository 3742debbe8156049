import { AppError, invalid } from '../domain/errors.ts';
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
  return presentGroup(group, [actor]);
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

export async function addMember({ tx, outbox, now }: Context, { actor, groupId, input }: AddMemberInput): Promise<Group> {
  requireCanonicalEmail(input.email); // a look-alike spelling is refused, not looked up
  const group = await visibleGroup(tx, groupId, actor.id);
  const user = await findAccount(tx, input.email);
  if (!user) throw new AppError('not_found', 'No user has this email', [{ path: 'email', message: 'no user has this email' }]);
  const createdAt = now().toISOString();
  if (!(await tx.addMember(group.id, user.id, createdAt))) {
    throw new AppError('already_member', `${user.name} is already a member`, [{ path: 'email', message: 'is already a member' }]);
  }
  outbox.notifications.push(await tx.appendNotification(user.id, 'group.member_added', createdAt, memberAddedJson(group, actor)));
  const members = await tx.listMembers(group.id);
  outbox.groupUpdates.push({ groupId: group.id, memberIds: members.map((m) => m.id) });
  return presentGroup(group, members);
}

// Invite links. The token is 32 random bytes (base64url); only its SHA-256 is stored, as for session tokens,
// so the link is shown once, when made. An unknown, revoked or expired token gets one answer (404), so a
// link says nothing about a group once it no longer works.
import { randomBytes } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { INVITE_DAYS, type CreatedInvite, type InvitePreview, type OpenInvite } from '../contract/invites.ts';
import type { Group } from '../contract/schemas.ts';
import type { InviteRow, Ops, UserRow } from '../store/store.ts';
import { presentGroup } from '../present/entities.ts';
import type { Deps } from './deps.ts';
import type { Context } from './unit-of-work.ts';
import { visibleGroup, visibleGroupWithMembers } from './access.ts';
import { appendActivity, lockGroup } from './activity.ts';
import { hashToken } from './auth.ts';
import { announceJoin } from './members.ts';

const DAY_MS = 86_400_000;
/** How many of a claimed member's notifications are moved per statement. */
const MOVE_BATCH = 500;
const inviteNotFound = () => new AppError('not_found', 'This invite link does not work: it may have expired or been revoked');
// ISO 8601 UTC strings compare in time order.
const isOpen = (i: InviteRow, now: string) => i.revokedAt === null && i.expiresAt > now;

async function openInvite(ops: Ops, token: string, now: string): Promise<InviteRow> {
  if (token.length === 0 || token.length > 200) throw inviteNotFound();
  const invite = await ops.findInviteByHash(hashToken(token));
  if (!invite || !isOpen(invite, now)) throw inviteNotFound();
  return invite;
}

export type CreateInviteInput = { actor: UserRow; groupId: string; expiresInDays: number | undefined; baseUrl: string };

export async function createInvite(
  { tx, outbox, now }: Context,
  { actor, groupId, expiresInDays, baseUrl }: CreateInviteInput,
): Promise<CreatedInvite> {
  await lockGroup(tx, groupId);
  const { group, members } = await visibleGroupWithMembers(tx, groupId, actor.id);
  const token = randomBytes(32).toString('base64url');
  const at = now();
  const row: InviteRow = {
    id: newId(),
    groupId: group.id,
    tokenHash: hashToken(token),
    createdBy: actor.id,
    createdAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + (expiresInDays ?? INVITE_DAYS.default) * DAY_MS).toISOString(),
    revokedAt: null,
  };
  await tx.insertInvite(row);
  await appendActivity(tx, group.id, actor, row.createdAt, {
    type: 'invite.created',
    data: { invite: { id: row.id, expiresAt: row.expiresAt } },
  });
  outbox.groupUpdates.push({ groupId: group.id, memberIds: members.map((m) => m.id) });
  return { id: row.id, url: `${baseUrl}/join/${token}`, expiresAt: row.expiresAt };
}

export async function listInvites(deps: Deps, actor: UserRow, groupId: string): Promise<OpenInvite[]> {
  const ops = deps.store.read;
  await visibleGroup(ops, groupId, actor.id);
  const invites = await ops.listOpenInvites(groupId, deps.now().toISOString());
  const names = new Map<string, string>();
  for (const i of invites) if (!names.has(i.createdBy)) names.set(i.createdBy, (await ops.getUser(i.createdBy))?.name ?? '');
  return invites.map((i) => ({
    id: i.id,
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
    createdBy: { id: i.createdBy, name: names.get(i.createdBy)! },
  }));
}

/** Any member may revoke a group's open invite; anyone else, or an invite no longer open, gets 404. */
export async function revokeInvite({ tx, outbox, now }: Context, { actor, inviteId }: { actor: UserRow; inviteId: string }): Promise<void> {
  const invite = await tx.getInvite(inviteId);
  const notFound = () => new AppError('not_found', 'Invite not found');
  if (!invite) throw notFound();
  await lockGroup(tx, invite.groupId);
  const { group, members } = await visibleGroupWithMembers(tx, invite.groupId, actor.id).catch(() => {
    throw notFound();
  });
  const at = now().toISOString();
  if (!isOpen(invite, at) || !(await tx.revokeInvite(invite.id, at))) throw notFound();
  await appendActivity(tx, group.id, actor, at, { type: 'invite.revoked', data: { invite: { id: invite.id } } });
  outbox.groupUpdates.push({ groupId: group.id, memberIds: members.map((m) => m.id) });
}

/** What the link shows before joining; no session needed. */
export async function previewInvite(deps: Deps, token: string): Promise<InvitePreview> {
  const ops = deps.store.read;
  const invite = await openInvite(ops, token, deps.now().toISOString());
  const [group, members, inviter] = await Promise.all([
    ops.getGroup(invite.groupId),
    ops.listMembers(invite.groupId),
    ops.getUser(invite.createdBy),
  ]);
  if (!group) throw inviteNotFound();
  return {
    group: { id: group.id, name: group.name },
    invitedBy: { name: inviter?.name ?? '' },
    pendingMembers: members.filter((m) => m.pending && m.email === '').map((m) => ({ id: m.id, name: m.name })),
  };
}

export type AcceptInput = { actor: UserRow; token: string; memberId: string | undefined };

/**
 * Joins the invite's group, or becomes the pending member `memberId` (one without an address): its
 * membership, parts and pair totals become the caller's, and its notifications, which nobody could have
 * read, are appended to the caller's inbox in order (new ids from the caller's counter) and delivered.
 */
export async function acceptInvite({ tx, outbox, now }: Context, { actor, token, memberId }: AcceptInput): Promise<Group> {
  const at = now().toISOString();
  const invite = await openInvite(tx, token, at);
  await lockGroup(tx, invite.groupId);
  const group = (await tx.getGroup(invite.groupId))!;
  const members = await tx.listMembers(group.id);
  if (members.some((m) => m.id === actor.id)) throw new AppError('already_member', 'You are already a member of this group');
  let claimed: { id: string; name: string } | undefined;
  if (memberId === undefined) {
    await tx.addMember(group.id, actor.id, at);
  } else {
    const target = members.find((m) => m.id === memberId);
    if (!target)
      throw new AppError('not_found', 'This group has no such member', [{ path: 'memberId', message: 'is not a member of this group' }]);
    // A member with an address is theirs to claim by registering with it (a pending one), or is someone's account.
    if (!target.pending || target.email !== '')
      throw new AppError('forbidden', 'Only a pending member without an email can be claimed through a link');
    if ((await tx.billsSharedBy(group.id, target.id, actor.id)) > 0) {
      throw new AppError(
        'already_member',
        'You have a part in a bill of this group beside this member, so you cannot become them; join without claiming',
      );
    }
    await tx.mergeMember(group.id, target.id, actor.id);
    if ((await tx.listGroupsOf(target.id)).length === 0) {
      for (let after = 0; ; ) {
        const rows = await tx.notificationsAfter(target.id, after, MOVE_BATCH);
        if (rows.length === 0) break;
        after = rows[rows.length - 1].id;
        outbox.notifications.push(
          ...(await tx.appendNotifications(rows.map((r) => ({ userId: actor.id, type: r.type, createdAt: r.createdAt, data: r.data })))),
        );
      }
      await tx.deleteUser(target.id);
    }
    claimed = { id: target.id, name: target.name };
  }
  await announceJoin(tx, outbox, at, group, actor, claimed);
  return presentGroup(group, await tx.listMembers(group.id));
}

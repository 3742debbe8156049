import { invalid } from '../domain/errors.ts';
import type { NotificationsResponse, ReadBody } from '../contract/schemas.ts';
import type { UserRow } from '../store/store.ts';
import { presentNotification } from '../present/notifications.ts';
import type { Deps } from './deps.ts';
import type { Context } from './unit-of-work.ts';
import { pageOf } from './page.ts';

/**
 * One inbox page. The stored data is parsed and serialized again by the response schema: with bill
 * summaries instead of whole bills (a few hundred bytes a row) that costs little, and what goes out is
 * checked against the contract.
 */
export async function listNotifications(
  deps: Deps,
  actor: UserRow,
  limit: number,
  before: number | undefined,
): Promise<NotificationsResponse> {
  const ops = deps.store.read;
  const [rows, state] = await Promise.all([ops.listNotifications(actor.id, limit + 1, before), ops.notificationState(actor.id)]);
  const { page, nextCursor } = pageOf(rows, limit);
  // Reads always cover a prefix of the ids (upTo or all), so the unread ones are exactly those above it.
  const unreadCount = state.lastId - state.readUpTo;
  return {
    notifications: page.map(presentNotification),
    unreadCount,
    nextCursor,
  };
}

export async function markRead({ tx, now }: Context, { actor, input }: { actor: UserRow; input: ReadBody }): Promise<void> {
  const { lastId } = await tx.notificationState(actor.id);
  let upTo = lastId;
  if ('upTo' in input) {
    upTo = Number(input.upTo);
    if (upTo > lastId) throw invalid('upTo', `is beyond the newest notification (${lastId})`);
  }
  if (upTo > 0) await tx.markRead(actor.id, upTo, now().toISOString());
}

/** POST /api/notifications/seen: what a visible page has shown; a push still waiting for it is skipped. Same id rules as read. */
export async function markSeen({ tx }: Context, { actor, input }: { actor: UserRow; input: ReadBody }): Promise<void> {
  const { lastId } = await tx.notificationState(actor.id);
  let upTo = lastId;
  if ('upTo' in input) {
    upTo = Number(input.upTo);
    if (upTo > lastId) throw invalid('upTo', `is beyond the newest notification (${lastId})`);
  }
  if (upTo > 0) await tx.markSeen(actor.id, upTo);
}

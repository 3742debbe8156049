import { invalid } from '../domain/errors.ts';
import type { ReadBody } from '../contract/schemas.ts';
import type { UserRow } from '../store/store.ts';
import type { Deps } from './deps.ts';
import { notificationJson } from './present.ts';

/**
 * The inbox page as JSON text (a NotificationsResponse). Each notification's data is stored as JSON, so the
 * page is assembled from the stored text: parsing 50 rows only to serialize them again was most of this
 * route's cost (565 µs of CPU a request in the benchmark).
 */
export async function listNotificationsJson(deps: Deps, actor: UserRow, limit: number, before: number | undefined): Promise<string> {
  const ops = deps.store.read;
  const [rows, state] = await Promise.all([ops.listNotifications(actor.id, limit + 1, before), ops.notificationState(actor.id)]);
  const page = rows.slice(0, limit);
  // Reads always cover a prefix of the ids (upTo or all), so the unread ones are exactly those above it.
  const unreadCount = state.lastId - state.readUpTo;
  const nextCursor = rows.length > limit ? `"${page[page.length - 1].id}"` : 'null';
  return `{"notifications":[${page.map(notificationJson).join(',')}],"unreadCount":${unreadCount},"nextCursor":${nextCursor}}`;
}

export async function markRead(deps: Deps, actor: UserRow, input: ReadBody): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const { lastId } = await tx.notificationState(actor.id);
    let upTo = lastId;
    if ('upTo' in input) {
      upTo = Number(input.upTo);
      if (upTo > lastId) throw invalid('upTo', `is beyond the newest notification (${lastId})`);
    }
    if (upTo > 0) await tx.markRead(actor.id, upTo, deps.now().toISOString());
  });
}

// The group's activity: one event per change, written in the change's own transaction (never after it, so
// history and state cannot disagree), read newest first by members.
//
// For a command that writes to a group: call `lockGroup` before it reads what it checks (membership, parts)
// and before any other write (or lockedGroupForBill, ./access.ts, which takes the lock and reads under it in
// one round trip), then `appendActivity` anywhere in the transaction (or a store call that writes the event
// with its other rows, as createBill's does). On PostgreSQL the lock is the group's row, which the activity
// counter also takes: taking it first keeps one lock order (group row, then pair totals, then users'
// notification counters), so two commands cannot deadlock, and a member's leaving cannot interleave with a
// bill or payment that names them (src/commands/members.ts).
import { AppError } from '../domain/errors.ts';
import type { ActivityData, ActivityEvent, ActivityResponse, ActivityType } from '../contract/activity.ts';
import type { ActivityRow, NewActivityRow, Ops, UserRow } from '../store/store.ts';
import type { Deps } from './deps.ts';
import { visibleGroup } from './access.ts';
import { pageOf } from './page.ts';

/** The group's write lock (see above); 404 as for any group the caller cannot see, when there is none. */
export async function lockGroup(tx: Ops, groupId: string): Promise<void> {
  if (!(await tx.lockGroup(groupId))) throw new AppError('not_found', 'Group not found');
}

export type NewActivity = { [T in ActivityType]: { type: T; data: ActivityData<T> } }[ActivityType];

/** Appends one event to the group's history inside the open transaction `tx`. */
export async function appendActivity(tx: Ops, groupId: string, actor: Pick<UserRow, 'id'>, at: string, event: NewActivity): Promise<void> {
  const appended = await tx.appendActivity(groupId, actor.id, event.type, at, JSON.stringify(event.data));
  if (!appended) throw new AppError('not_found', 'Group not found');
}

/** The event as the store writes it along with other rows (src/store/store.ts insertBillWithActivity). */
export const activityRow = (actor: Pick<UserRow, 'id'>, at: string, event: NewActivity): NewActivityRow => ({
  actorId: actor.id,
  type: event.type,
  createdAt: at,
  data: JSON.stringify(event.data),
});

const presentActivity = (r: ActivityRow): ActivityEvent =>
  ({
    id: String(r.id),
    type: r.type,
    at: r.createdAt,
    actor: { id: r.actorId, name: r.actorName },
    data: JSON.parse(r.data),
  }) as ActivityEvent;

export async function listActivity(
  deps: Deps,
  actor: UserRow,
  groupId: string,
  limit: number,
  before: number | undefined,
): Promise<ActivityResponse> {
  const ops = deps.store.read;
  await visibleGroup(ops, groupId, actor.id);
  const rows = await ops.listActivity(groupId, limit + 1, before);
  const { page, nextCursor } = pageOf(rows, limit);
  return { events: page.map(presentActivity), nextCursor };
}

// Notification data as it is stored (JSON text, one row per receiver) and as it goes out (the inbox, the
// SSE and WebSocket streams). The shapes are the contract's event union (src/contract/events.ts).
import {
  NOTIFICATION_TYPES,
  type BillEventData,
  type BillSummary,
  type MemberAddedData,
  type MemberJoinedData,
  type MemberRemovedData,
  type Notification,
  type NotificationType,
} from '../contract/events.ts';
import type { BillRow, GroupRow, NotificationRow, UserRow } from '../store/store.ts';

export const billSummary = (b: BillRow): BillSummary => ({
  id: b.id,
  groupId: b.groupId,
  ownerId: b.ownerId,
  description: b.description,
  amount: b.amount,
  currency: b.currency,
  shareCount: b.shares.length,
  paidCount: b.shares.reduce((n, s) => (s.paidAt === null ? n : n + 1), 0),
});

/**
 * Each receiver's bill event data as JSON text: the part they share is serialized once, then each one's
 * own amount appended (a bill can have 500 receivers).
 */
export function billEventJson(bill: BillRow, group: GroupRow, actor: UserRow): (amount: number) => string {
  const shared: Omit<BillEventData, 'amount'> = {
    bill: billSummary(bill),
    group: { id: group.id, name: group.name },
    actor: { id: actor.id, name: actor.name },
  };
  // An integer amount is its own JSON text, so closing the object by hand gives the same bytes JSON.stringify would.
  const prefix = `${JSON.stringify(shared).slice(0, -1)},"amount":`;
  return (amount) => `${prefix}${amount}}`;
}

export function memberAddedJson(group: GroupRow, actor: UserRow): string {
  const data: MemberAddedData = { group: { id: group.id, name: group.name }, actor: { id: actor.id, name: actor.name } };
  return JSON.stringify(data);
}

const isNotificationType = (type: string): type is NotificationType => (NOTIFICATION_TYPES as readonly string[]).includes(type);

/** A stored row as the inbox returns it (the response schema serializes it, and refuses a wrong shape). */
export function presentNotification(n: NotificationRow): Notification {
  if (!isNotificationType(n.type)) throw new Error(`notification ${n.userId}/${n.id} has an unknown type ${n.type}`);
  return { id: String(n.id), type: n.type, createdAt: n.createdAt, readAt: n.readAt, data: JSON.parse(n.data) };
}

/** The notification as stream JSON text, built from the stored JSON without parsing it again (live and replay). */
export function notificationJson(n: NotificationRow): string {
  return `{"id":"${n.id}","type":${JSON.stringify(n.type)},"createdAt":"${n.createdAt}","readAt":${n.readAt === null ? 'null' : `"${n.readAt}"`},"data":${n.data}}`;
}

export function memberJoinedJson(group: GroupRow, member: { id: string; name: string }): string {
  const data: MemberJoinedData = { group: { id: group.id, name: group.name }, member: { id: member.id, name: member.name } };
  return JSON.stringify(data);
}

export function memberRemovedJson(group: GroupRow, member: { id: string; name: string }, actor: UserRow): string {
  const data: MemberRemovedData = {
    group: { id: group.id, name: group.name },
    member: { id: member.id, name: member.name },
    actor: { id: actor.id, name: actor.name },
  };
  return JSON.stringify(data);
}

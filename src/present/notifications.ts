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
import type { NotificationsResponse } from '../contract/schemas.ts';

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

/**
 * A stored row as the inbox returns it. Its `data` is parsed only when read: the inbox writes the stored
 * JSON text as it is (notificationsPageJson), as the streams do, so a page of 50 is neither parsed nor
 * serialized again. Parsing every page and writing it back cost GET /notifications half its throughput
 * (bench/profiles: JSON.parse 20% and JSON.stringify 14% of the server's time). A class, not a WeakMap
 * beside plain objects: the weak table made every collection walk its entries.
 */
class PresentedNotification {
  readonly id: string;
  readonly type: NotificationType;
  readonly createdAt: string;
  readonly readAt: string | null;
  readonly #row: NotificationRow;
  #data: Notification['data'] | undefined;

  constructor(row: NotificationRow, type: NotificationType) {
    this.id = String(row.id);
    this.type = type;
    this.createdAt = row.createdAt;
    this.readAt = row.readAt;
    this.#row = row;
  }

  /** The stored text was written by this module from the contract's types (billEventJson and the others). */
  get data(): Notification['data'] {
    this.#data ??= JSON.parse(this.#row.data) as Notification['data'];
    return this.#data;
  }

  /** The same JSON text the streams send. */
  get text(): string {
    return notificationJson(this.#row);
  }

  toJSON(): Notification {
    return { id: this.id, type: this.type, createdAt: this.createdAt, readAt: this.readAt, data: this.data } as Notification;
  }
}

export function presentNotification(n: NotificationRow): Notification {
  if (!isNotificationType(n.type)) throw new Error(`notification ${n.userId}/${n.id} has an unknown type ${n.type}`);
  // Its (type, data) pair is the stored one, which the union ties together; the class cannot say so itself.
  return new PresentedNotification(n, n.type) as Notification;
}

/** The notification as stream JSON text, built from the stored JSON without parsing it again (live and replay). */
export function notificationJson(n: NotificationRow): string {
  return `{"id":"${n.id}","type":${JSON.stringify(n.type)},"createdAt":"${n.createdAt}","readAt":${n.readAt === null ? 'null' : `"${n.readAt}"`},"data":${n.data}}`;
}

/**
 * The inbox page as JSON text, exactly the response schema's fields: presented notifications are written
 * from their stored text, anything else with JSON.stringify.
 */
export function notificationsPageJson(page: NotificationsResponse): string {
  let items = '';
  for (const n of page.notifications)
    items += `${items === '' ? '' : ','}${n instanceof PresentedNotification ? n.text : JSON.stringify(n)}`;
  return `{"notifications":[${items}],"unreadCount":${JSON.stringify(page.unreadCount)},"nextCursor":${JSON.stringify(page.nextCursor)}}`;
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

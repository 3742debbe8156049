// The notification event union: a literal `type` on every message, so switches over it are exhaustive.
import type { Bill, Notification } from './schemas.ts';

export type GroupRef = { id: string; name: string };
export type Actor = { id: string; name: string };

export type BillNotificationData = { bill: Bill; group: GroupRef; actor: Actor; amount: number };
export type MemberAddedData = { group: GroupRef; actor: Actor };

/** Stored notifications (in the inbox, replayed on resume). */
export type NotificationType = 'bill.created' | 'bill.paid' | 'bill.cancelled' | 'group.member_added';
export const NOTIFICATION_TYPES: readonly NotificationType[] = ['bill.created', 'bill.paid', 'bill.cancelled', 'group.member_added'];

export type NotificationDataOf<T extends NotificationType> = T extends 'group.member_added' ? MemberAddedData : BillNotificationData;

/** Control and refresh messages on a live stream: never stored, never replayed, no id. */
export type GroupUpdated = { type: 'group.updated'; groupId: string };
export type Reset = { type: 'reset'; id: string };
export type Evicted = { type: 'evicted'; reason: string };

/** Everything a subscriber can receive. */
export type StreamMessage = Notification | GroupUpdated | Reset | Evicted;

export const CONTROL_TYPES = ['group.updated', 'reset', 'evicted'] as const;
export function isControl(m: StreamMessage): m is GroupUpdated | Reset | Evicted {
  return (CONTROL_TYPES as readonly string[]).includes(m.type);
}

/** WebSocket close codes (RFC 6455 §7.4.2: 4000–4999 are ours). */
export const WS_CLOSE = {
  shutdown: 1012, // Service Restart: reconnect and resume
  slowConsumer: 4008, // reconnect and resume
  evicted: 4009, // do not come back
} as const;

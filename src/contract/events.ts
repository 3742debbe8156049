// The notification event union: one TypeBox schema per `type` literal and its `data`, so the server
// checks what it writes, the SDK and the web app narrow `data` by `type`, and switches are exhaustive.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Nullable } from './nullable.ts';

/** Notification ids are per-user decimal counters (at most 16 digits, no leading zero). */
export const NOTIFICATION_ID_PATTERN = '^(0|[1-9][0-9]{0,15})$';
const NotificationId = Type.String({ pattern: NOTIFICATION_ID_PATTERN });

const Ref = Type.Object({ id: Type.String(), name: Type.String() });

/**
 * A bill as a notification carries it: a summary, not every share. One row is stored per receiver, so the
 * full bill (up to 500 shares) would be stored 500 times; a client fetches GET /api/bills/:id for the rest.
 * `shareCount` counts the parts in the bill (the owner's own included), `paidCount` the settled ones
 * (the owner's own part is settled at once), both as of the event.
 */
export const BillSummary = Type.Object({
  id: Type.String(),
  groupId: Type.String(),
  ownerId: Type.String(),
  description: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  shareCount: Type.Integer(),
  paidCount: Type.Integer(),
});
/**
 * bill.created / bill.cancelled / bill.reminder: `amount` is the receiver's own part; bill.paid: the part the
 * actor paid, with `via` when a confirmed payment closed it rather than a direct "pay my part"; bill.unpaid (to
 * the owner): the part the actor had marked paid and took back within the undo window.
 */
export const BillEventData = Type.Object({
  bill: BillSummary,
  group: Ref,
  actor: Ref,
  amount: Type.Integer(),
  via: Type.Optional(Type.Object({ paymentId: Type.String() })),
});
/**
 * bill.updated: `amount` is the receiver's part after the edit; `previous` what it was before (0 for a
 * receiver the edit added) and the bill's description before.
 */
export const BillUpdatedData = Type.Object({
  bill: BillSummary,
  group: Ref,
  actor: Ref,
  amount: Type.Integer(),
  previous: Type.Object({ amount: Type.Integer(), description: Type.String() }),
});
/** A payment as notifications carry it (the same object GET /api/groups/:groupId/payments returns). */
export const PaymentSummary = Type.Object({
  id: Type.String(),
  groupId: Type.String(),
  from: Type.String(),
  to: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  note: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('disputed')]),
  createdAt: Type.String(),
  confirmedAt: Nullable(Type.String()),
});
/** payment.recorded / payment.confirmed / payment.disputed (`reason` only on a dispute that gave one). */
export const PaymentEventData = Type.Object({ payment: PaymentSummary, group: Ref, actor: Ref, reason: Type.Optional(Type.String()) });
export const MemberAddedData = Type.Object({ group: Ref, actor: Ref });
/** Someone became a member by themselves: registered as a pending member, or accepted an invite link. */
export const MemberJoinedData = Type.Object({ group: Ref, member: Ref });
/** `member` left (actor = member) or, pending, was removed by `actor`. */
export const MemberRemovedData = Type.Object({ group: Ref, member: Ref, actor: Ref });

const event = <T extends string, D extends TSchema>(type: T, data: D) =>
  Type.Object({
    id: NotificationId,
    type: Type.Literal(type),
    createdAt: Type.String(),
    readAt: Nullable(Type.String()),
    data,
  });

/** Stored notifications (in the inbox, replayed on resume): `type` decides the shape of `data`. */
export const Notification = Type.Union([
  event('bill.created', BillEventData),
  event('bill.paid', BillEventData),
  event('bill.cancelled', BillEventData),
  event('bill.updated', BillUpdatedData),
  event('bill.reminder', BillEventData),
  event('payment.recorded', PaymentEventData),
  event('payment.confirmed', PaymentEventData),
  event('payment.disputed', PaymentEventData),
  event('bill.unpaid', BillEventData),
  event('group.member_added', MemberAddedData),
  event('group.member_joined', MemberJoinedData),
  event('group.member_removed', MemberRemovedData),
]);

export type BillSummary = Static<typeof BillSummary>;
export type BillEventData = Static<typeof BillEventData>;
export type MemberAddedData = Static<typeof MemberAddedData>;
export type BillUpdatedData = Static<typeof BillUpdatedData>;
export type PaymentSummary = Static<typeof PaymentSummary>;
export type PaymentEventData = Static<typeof PaymentEventData>;
export type MemberJoinedData = Static<typeof MemberJoinedData>;
export type MemberRemovedData = Static<typeof MemberRemovedData>;
export type Notification = Static<typeof Notification>;
export type NotificationType = Notification['type'];
export const NOTIFICATION_TYPES: readonly NotificationType[] = Notification.anyOf.map((s) => s.properties.type.const);

/** Control and refresh messages on a live stream: never stored, never replayed, no id. */
/**
 * A refresh hint: something about the group changed. `version` is the group's change counter (as in
 * GET /api/groups/:id); a client whose data was fetched at that version or later has nothing to refetch.
 * Coalesced per (stream, group): at most one per GROUP_HINT_MS, always the newest version.
 */
export type GroupUpdated = { type: 'group.updated'; groupId: string; version: number };
export type Reset = { type: 'reset'; id: string };
type Evicted = { type: 'evicted'; reason: string };
/** The session the stream was opened with has ended: sign in again (the stream ends after this). */
type LoggedOut = { type: 'logged_out'; reason: string };
export const CONTROL_TYPES = ['group.updated', 'reset', 'evicted', 'logged_out'] as const satisfies readonly (
  | GroupUpdated
  | Reset
  | Evicted
  | LoggedOut
)['type'][];

/** Everything a subscriber can receive. */
export type StreamMessage = Notification | GroupUpdated | Reset | Evicted | LoggedOut;

/** WebSocket close codes (RFC 6455 §7.4.2: 4000–4999 are ours). */
export const WS_CLOSE = {
  shutdown: 1012, // Service Restart: reconnect and resume
  slowConsumer: 4008, // reconnect and resume
  evicted: 4009, // do not come back
  loggedOut: 4001, // the session ended (as HTTP 401): sign in again, do not come back with it
} as const;

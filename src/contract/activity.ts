// A group's shared history (GET /api/groups/:groupId/activity): one TypeBox schema per event `type` and its
// `data`, like the notification union (./events.ts), so the web app's switch over it is exhaustive.
// Events are written in the transaction of the change they record (src/commands/activity.ts).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Nullable } from './nullable.ts';
import { NOTIFICATION_ID_PATTERN } from './events.ts';

const Ref = Type.Object({ id: Type.String(), name: Type.String() });
/** A bill as its history names it; the amount is in the group's currency (one per group). */
const BillRef = Type.Object({ id: Type.String(), description: Type.String(), amount: Type.Integer() });
/** A payment as the history names it: who paid whom how much (the group's currency). */
const PaymentRef = Type.Object({ id: Type.String(), from: Ref, to: Ref, amount: Type.Integer() });

/** Each event type's data. A new kind of change adds one line here (and a case in the web app's switch). */
export const ACTIVITY_DATA = {
  'bill.created': Type.Object({ bill: BillRef }),
  /** `amount`: the part the actor paid. */
  'bill.paid': Type.Object({ bill: BillRef, amount: Type.Integer() }),
  'bill.deleted': Type.Object({ bill: BillRef }),
  /** An edit (PATCH): the bill as it is now, its new version, and the fields that changed. */
  'bill.updated': Type.Object({ bill: BillRef, version: Type.Integer(), changed: Type.Array(Type.String()) }),
  /** A payment between two members (actor: the payer when recorded, the payee when confirmed or disputed). */
  'payment.recorded': Type.Object({ payment: PaymentRef }),
  'payment.confirmed': Type.Object({ payment: PaymentRef }),
  'payment.disputed': Type.Object({ payment: PaymentRef }),
  'member.added': Type.Object({ member: Type.Object({ id: Type.String(), name: Type.String(), pending: Type.Boolean() }) }),
  /** The actor joined: registered as a pending member, or accepted an invite (`claimed`: the pending member they became). */
  'member.joined': Type.Object({ member: Ref, claimed: Type.Optional(Ref) }),
  /** The actor left (member = actor) or removed a pending member. */
  'member.removed': Type.Object({ member: Ref }),
  'invite.created': Type.Object({ invite: Type.Object({ id: Type.String(), expiresAt: Type.String() }) }),
  'invite.revoked': Type.Object({ invite: Type.Object({ id: Type.String() }) }),
} satisfies Record<string, TSchema>;

type Data = typeof ACTIVITY_DATA;
export type ActivityType = keyof Data;
export type ActivityData<T extends ActivityType> = Static<Data[T]>;

/** Per-group decimal ids, increasing in commit order (the same pattern as notification ids). */
const ActivityId = Type.String({ pattern: NOTIFICATION_ID_PATTERN });
const event = <T extends ActivityType>(type: T) =>
  Type.Object({ id: ActivityId, type: Type.Literal(type), at: Type.String(), actor: Ref, data: ACTIVITY_DATA[type] });

export const ActivityEvent = Type.Union((Object.keys(ACTIVITY_DATA) as ActivityType[]).map(event));
/** The union, narrowed by `type` (written out, as TypeBox cannot derive it from the mapped array). */
export type ActivityEvent = {
  [T in ActivityType]: { id: string; type: T; at: string; actor: Static<typeof Ref>; data: ActivityData<T> };
}[ActivityType];

export const ActivityQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', errorMessage: 'must be a whole number from 1 to 100' })),
    before: Type.Optional(Type.String({ pattern: NOTIFICATION_ID_PATTERN, errorMessage: 'is not a cursor this service issued' })),
  },
  { additionalProperties: false },
);
export const ActivityResponse = Type.Object({ events: Type.Array(ActivityEvent), nextCursor: Nullable(Type.String()) });
export type ActivityResponse = { events: ActivityEvent[]; nextCursor: string | null };

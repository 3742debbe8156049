// The wire format: one TypeBox schema per request and response, shared by the server, the SDK and the web app.
// Types are derived from the schemas (Static), never written twice.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Nullable } from './nullable.ts';
import { Notification, NOTIFICATION_ID_PATTERN, PaymentSummary } from './events.ts';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
/** A positive integer in the currency's minor unit, at most 10^12. */
export const Amount = Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 });
// Single-line text has no control characters (C0, DEL, C1: they break lines, logs and terminals) and no
// lone surrogates, which UTF-8 cannot encode (SQLite would keep U+FFFD, so the text would not be stored
// as given). Ajv compiles patterns with the `u` flag, where a lone surrogate is a code point of \p{Cs}.
// The non-space check is a lookahead: `^A*[B]A*$` would backtrack quadratically (seconds on 64 KiB).
/** Single-line text with at least one non-space character. */
const text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^(?=\\s*\\S)[^\\p{Cc}\\p{Cs}]*$' });
const Name = text(100);
// RFC 5321 caps a path at 254 octets; the pattern is the usual one-@ sanity check, not RFC 5322.
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@\\p{Cc}\\p{Cs}]+@[^\\s@\\p{Cc}\\p{Cs}]+$' });

export const User = Type.Object({ id: Type.String(), name: Type.String(), email: Type.String() });
/**
 * A group's member. `pending`: no account yet (added by an address nobody has registered, or by name
 * alone, when `email` is null); their parts and notifications are kept and become the account's when they
 * register or claim the member through an invite link.
 */
export const Member = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  pending: Type.Boolean(),
});
export const Group = Type.Object({
  id: Type.String(),
  name: Type.String(),
  currency: Type.String(),
  createdAt: Type.String(),
  members: Type.Array(Member),
  /**
   * GET /api/groups/:groupId only: the group's change counter, read before the rest of the answer, so the
   * answer is at least this new. A group.updated hint with a version not above it has nothing newer.
   */
  version: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const Share = Type.Object({ userId: Type.String(), amount: Type.Integer(), paidAt: Nullable(Type.String()) });
export const Bill = Type.Object({
  id: Type.String(),
  groupId: Type.String(),
  ownerId: Type.String(),
  description: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  createdAt: Type.String(),
  /** 1 on creation, +1 per edit; GET /api/bills/:billId sends it as the ETag "<version>". */
  version: Type.Integer(),
  /** The day of the expense. */
  date: Type.String(),
  notes: Type.String(),
  shares: Type.Array(Share),
});
/** A payment between two members: counts toward balances only once the payee confirms it. */
export const Payment = PaymentSummary;

// Requests
// Lone surrogates would all hash as U+FFFD: two different passwords would be the same one.
const NewPassword = Type.String({ minLength: 8, maxLength: 1024, pattern: '^[^\\p{Cs}]*$' });
export const RegisterBody = Type.Object({ name: Name, email: Email, password: NewPassword }, { additionalProperties: false });
/** POST /api/auth/password: `next` follows the registration rules; `current` is only compared. */
export const PasswordBody = Type.Object(
  { current: Type.String({ minLength: 1, maxLength: 1024 }), next: NewPassword },
  { additionalProperties: false },
);
export const LoginBody = Type.Object(
  // No control characters in the email: it is looked up, and PostgreSQL refuses a NUL in text (a 500).
  {
    email: Type.String({ minLength: 1, maxLength: 254, pattern: '^[^\\p{Cc}]*$' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export const CreateGroupBody = Type.Object(
  { name: Name, currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })) },
  { additionalProperties: false },
);
/** `email` (an account, or a pending member for an address with none), or `name` alone (a pending member without an address). */
export const AddMemberBody = Type.Object({ email: Type.Optional(Email), name: Type.Optional(Name) }, { additionalProperties: false });

const UserMap = <T extends TSchema>(value: T) =>
  Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), value, { minProperties: 1, maxProperties: 500 });
const EqualSplit = Type.Object(
  { mode: Type.Literal('equal'), among: Type.Array(Id, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
const ExactSplit = Type.Object(
  { mode: Type.Literal('exact'), amounts: UserMap(Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 })) },
  { additionalProperties: false },
);
const PercentSplit = Type.Object(
  { mode: Type.Literal('percent'), percents: UserMap(Type.Number({ minimum: 0, maximum: 100 })) },
  { additionalProperties: false },
);
const SharesSplit = Type.Object(
  { mode: Type.Literal('shares'), shares: UserMap(Type.Integer({ minimum: 1, maximum: 1_000_000 })) },
  { additionalProperties: false },
);
/** `oneOf` with a discriminator (Ajv `discriminator: true`), so an error names the chosen mode's fields only. */
export const Split = Type.Unsafe<
  Static<typeof EqualSplit> | Static<typeof ExactSplit> | Static<typeof PercentSplit> | Static<typeof SharesSplit>
>({
  type: 'object',
  required: ['mode'],
  discriminator: { propertyName: 'mode' },
  oneOf: [EqualSplit, ExactSplit, PercentSplit, SharesSplit],
});
/** YYYY-MM-DD (the calendar check, 2024-02-30 refused, is src/domain/dates.ts). */
export const BillDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', errorMessage: 'must be a day as YYYY-MM-DD' });
/** Free text over several lines: tabs and line breaks allowed, other control characters and lone surrogates not. */
export const Notes = Type.String({ maxLength: 1000, pattern: '^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\p{Cs}]*$' });
export const CreateBillBody = Type.Object(
  { description: text(200), amount: Amount, split: Split, date: Type.Optional(BillDate), notes: Type.Optional(Notes) },
  { additionalProperties: false },
);
/** PATCH /api/bills/:billId: any of these; `amount` and `split` together or neither (checked by the command). */
export const UpdateBillBody = Type.Object(
  {
    description: Type.Optional(text(200)),
    date: Type.Optional(BillDate),
    notes: Type.Optional(Notes),
    amount: Type.Optional(Amount),
    split: Type.Optional(Split),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const CreatePaymentBody = Type.Object(
  { to: Id, amount: Amount, note: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\p{Cc}\\p{Cs}]*$' })) },
  { additionalProperties: false },
);
export const DisputeBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500, pattern: '^[^\\p{Cc}\\p{Cs}]*$' })) },
  { additionalProperties: false },
);
export const RemindBody = Type.Object({ userId: Type.Optional(Id) }, { additionalProperties: false });
export const ReadBody = Type.Union([
  Type.Object({ upTo: Type.String({ pattern: NOTIFICATION_ID_PATTERN }) }, { additionalProperties: false }),
  Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
]);
// Paging. `errorMessage` is the 400's message for the field (src/http/error-handler.ts reads it), so a
// refusal says what is allowed rather than quoting the pattern.
export const PAGE_SIZE = { default: 50, max: 100 } as const;
/** 1–100, a plain decimal: anything else is a 400, not silently clamped. */
const Limit = Type.String({ pattern: '^(100|[1-9][0-9]?)$', errorMessage: `must be a whole number from 1 to ${PAGE_SIZE.max}` });
/** Bill ids as src/domain/ids.ts issues them: 20 characters of base 36. */
const BillCursor = Type.String({ pattern: '^[0-9a-z]{20}$', errorMessage: 'is not a cursor this service issued' });
const NotificationCursor = Type.String({ pattern: NOTIFICATION_ID_PATTERN, errorMessage: 'is not a cursor this service issued' });
export const PageQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(BillCursor) }, { additionalProperties: false });
export const NotificationsQuery = Type.Object(
  { limit: Type.Optional(Limit), before: Type.Optional(NotificationCursor) },
  { additionalProperties: false },
);
// Path ids are opaque, but never contain control characters: PostgreSQL cannot even compare a NUL
// (a 500 there), and no id this service issues has one.
const PathId = Type.String({ maxLength: 200, pattern: '^[^\\p{Cc}]*$' });
export const GroupParams = Type.Object({ groupId: PathId });
export const BillParams = Type.Object({ billId: PathId });
export const PaymentParams = Type.Object({ paymentId: PathId });
export const MemberParams = Type.Object({ groupId: PathId, userId: PathId });

// Responses
export const AuthResponse = Type.Object({ user: User, token: Type.String() });
export const UserResponse = Type.Object({ user: User });
/** GET /api/session: who is signed in, or null (a 200 either way, so a signed-out page load logs no error). */
export const SessionResponse = Type.Object({ user: Type.Union([User, Type.Null()]) });
export const GroupResponse = Type.Object({ group: Group });
export const GroupsResponse = Type.Object({ groups: Type.Array(Group) });
export const BillResponse = Type.Object({ bill: Bill });
export const PaymentResponse = Type.Object({ payment: Payment });
export const PaymentsResponse = Type.Object({ payments: Type.Array(Payment), nextCursor: Nullable(Type.String()) });
export const RemindResponse = Type.Object({ reminded: Type.Array(Type.String()) });
/** One edit: each changed field's value before and after (version 1, the creation, has none). */
export const Revision = Type.Object({
  version: Type.Integer(),
  at: Type.String(),
  actor: Type.Object({ id: Type.String(), name: Type.String() }),
  changes: Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() })),
});
export const HistoryResponse = Type.Object({ revisions: Type.Array(Revision) });
export const BillsResponse = Type.Object({ bills: Type.Array(Bill), nextCursor: Nullable(Type.String()) });
export const BalancesResponse = Type.Object({
  currency: Type.String(),
  balances: Type.Array(Type.Object({ userId: Type.String(), net: Type.Integer() })),
  settlements: Type.Array(Type.Object({ from: Type.String(), to: Type.String(), amount: Type.Integer() })),
});
export const NotificationsResponse = Type.Object({
  notifications: Type.Array(Notification),
  unreadCount: Type.Integer(),
  nextCursor: Nullable(Type.String()),
});
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

export type User = Static<typeof User>;
export type Member = Static<typeof Member>;
export type Group = Static<typeof Group>;
export type Share = Static<typeof Share>;
export type Bill = Static<typeof Bill>;
export type RegisterBody = Static<typeof RegisterBody>;
export type LoginBody = Static<typeof LoginBody>;
export type PasswordBody = Static<typeof PasswordBody>;
export type CreateGroupBody = Static<typeof CreateGroupBody>;
export type AddMemberBody = Static<typeof AddMemberBody>;
export type Split = Static<typeof Split>;
export type CreateBillBody = Static<typeof CreateBillBody>;
export type UpdateBillBody = Static<typeof UpdateBillBody>;
export type CreatePaymentBody = Static<typeof CreatePaymentBody>;
export type Payment = Static<typeof Payment>;
export type Revision = Static<typeof Revision>;
export type HistoryResponse = Static<typeof HistoryResponse>;
export type PaymentsResponse = Static<typeof PaymentsResponse>;
export type ReadBody = Static<typeof ReadBody>;
export type AuthResponse = Static<typeof AuthResponse>;
export type BillsResponse = Static<typeof BillsResponse>;
export type BalancesResponse = Static<typeof BalancesResponse>;
export type NotificationsResponse = Static<typeof NotificationsResponse>;
export type Problem = Static<typeof Problem>;

// Offline channels (issue 14): Web Push subscriptions and notification preferences.
/** `PushSubscription.toJSON()` from the browser (Push API): the endpoint and the RFC 8291 keys, base64url. */
export const PushSubscriptionBody = Type.Object(
  {
    endpoint: Type.String({ minLength: 9, maxLength: 2048 }),
    expirationTime: Type.Optional(Nullable(Type.Number())),
    keys: Type.Object(
      {
        // A P-256 point uncompressed (65 bytes → 87 characters) and a 16-byte secret (22 characters).
        p256dh: Type.String({ minLength: 87, maxLength: 88, pattern: '^[A-Za-z0-9_-]+={0,2}$' }),
        auth: Type.String({ minLength: 22, maxLength: 24, pattern: '^[A-Za-z0-9_-]+={0,2}$' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export const PushSubscriptionView = Type.Object({ id: Type.String(), endpoint: Type.String(), createdAt: Type.String() });
export const PushSubscriptionResponse = Type.Object({ subscription: PushSubscriptionView });
export const PushSubscriptionsResponse = Type.Object({ subscriptions: Type.Array(PushSubscriptionView) });
export const PushPublicKeyResponse = Type.Object({ publicKey: Type.String() });
export const ChannelChoice = Type.Object({ push: Type.Boolean(), email: Type.Boolean() }, { additionalProperties: false });
const PartialChoice = Type.Object(
  { push: Type.Optional(Type.Boolean()), email: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export const PreferencesResponse = Type.Object({ preferences: Type.Record(Type.String(), ChannelChoice) });
/** PUT: any subset of the types, each with either channel or both; an unknown type is a 400 (checked in the command). */
export const PreferencesBody = Type.Object(
  { preferences: Type.Record(Type.String({ maxLength: 64 }), PartialChoice, { maxProperties: 64 }) },
  { additionalProperties: false },
);

export type PushSubscriptionBody = Static<typeof PushSubscriptionBody>;
export type PushSubscriptionView = Static<typeof PushSubscriptionView>;
export type PreferencesBody = Static<typeof PreferencesBody>;

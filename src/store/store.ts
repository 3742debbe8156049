// The store interface: every read and write Chipin makes, behind one transaction boundary.
// SQLite and PostgreSQL implement it with the same SQL (src/store/queries.ts) over their own driver.
import type { MoneyOps } from './money-ops.ts';

export type UserRow = { id: string; name: string; email: string; createdAt: string };
export type UserWithPassword = UserRow & { passwordHash: string };
export type GroupRow = { id: string; name: string; currency: string; createdAt: string };
/** `pending`: a member without an account yet (issue 16); `email` is '' for one added by name only. */
export type MemberRow = { id: string; name: string; email: string; pending: boolean };
/** A user row as found by address: an account, or a pending member (no password, cannot sign in). */
export type AccountRow = UserWithPassword & { pending: boolean };
export type PendingUserRow = { id: string; name: string; email: string | null; createdAt: string };
export type ActivityRow = {
  groupId: string;
  id: number;
  type: string;
  actorId: string;
  actorName: string;
  createdAt: string;
  data: string;
};
export type InviteRow = {
  id: string;
  groupId: string;
  tokenHash: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
};
/** A member's unpaid parts in a group's live bills: what they owe others, and what others owe them. */
export type UnpaidParts = { owes: number; owed: number };
export type ShareRow = { userId: string; amount: number; paidAt: string | null };
export type BillRow = {
  id: string;
  groupId: string;
  ownerId: string;
  description: string;
  amount: number;
  currency: string;
  createdAt: string;
  deletedAt: string | null;
  /** 1 on creation, +1 per edit (the ETag of GET /api/bills/:billId). */
  version: number;
  /** The day of the expense, YYYY-MM-DD. */
  date: string;
  notes: string;
  shares: ShareRow[];
};
export type NotificationRow = {
  userId: string;
  id: number;
  type: string;
  createdAt: string;
  readAt: string | null;
  /** JSON text, exactly as stored. */
  data: string;
};
export type DebtRow = { debtorId: string; creditorId: string; amount: number };
export type DebtChange = { debtorId: string; creditorId: string; delta: number };
export type NewNotification = { userId: string; type: string; createdAt: string; data: string };
/** A group's activity event as appendActivity takes it (`data`: JSON text). */
export type NewActivityRow = { actorId: string; type: string; createdAt: string; data: string };
/** A browser's Web Push subscription (RFC 8030 endpoint, RFC 8291 keys p256dh and auth, base64url). */
export type PushSubscriptionRow = {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  expirationTime: number | null;
  createdAt: string;
};
/** What a user changed for one type (null: the default); type '*' with email false turns email off. */
export type PreferenceRow = { userId: string; type: string; push: boolean | null; email: boolean | null };
export type DeliveryChannel = 'push' | 'email';
/** One pending delivery of a notification on a channel (push: to one subscription, `target` its id). */
export type DeliveryRow = {
  userId: string;
  notificationId: number;
  channel: DeliveryChannel;
  target: string;
  dueAt: string;
  expiresAt: string;
  attempts: number;
};
export type DeliveryKey = Pick<DeliveryRow, 'userId' | 'notificationId' | 'channel' | 'target'>;
export type DeliveryQueueRow = { channel: DeliveryChannel; depth: number; oldestDueAt: string | null };
export type IdempotencyRow = {
  requestHash: string;
  state: 'pending' | 'done';
  status: number | null;
  body: string | null;
  createdAt: string;
  /** Pending keys: who holds the key, and until when unless renewed (null once done or before migration 0008/0006). */
  holder: string | null;
  leaseUntil: string | null;
};

/** What a transaction (or a plain read) can do. Every method is one or a few statements. */
export interface Ops extends MoneyOps {
  insertUser(user: UserWithPassword): Promise<boolean>;
  findUserByEmail(email: string): Promise<AccountRow | undefined>;
  /** A user row that cannot sign in (src/store/migrations/sqlite/0006_members_invites_activity.sql). */
  insertPendingUser(user: PendingUserRow): Promise<void>;
  /**
   * The pending row with this address becomes the account: name, address, password set, pending cleared.
   * Its id, and so its notifications and their ids, stay. Undefined when there is no pending row.
   */
  activatePendingUser(user: UserWithPassword): Promise<UserRow | undefined>;
  /**
   * Moves a pending member `fromId` onto `toId` in a group: membership (its place kept), bill parts and
   * pair totals. Notifications are moved by the caller; `deleteUser` then removes the pending row.
   */
  mergeMember(groupId: string, fromId: string, toId: string): Promise<void>;
  /** Bills of the group in which both users have a part (a merge cannot give one user two parts). */
  billsSharedBy(groupId: string, a: string, b: string): Promise<number>;
  /** Removes a user row that has no sessions, and its notifications. */
  deleteUser(userId: string): Promise<void>;
  getUser(id: string): Promise<UserRow | undefined>;

  insertSession(tokenHash: string, userId: string, createdAt: string, expiresAt: string): Promise<void>;
  sessionUser(tokenHash: string, now: string): Promise<UserRow | undefined>;
  /** The session's user and expiry whether or not it has expired (for a cache that checks expiry itself). */
  findSession(tokenHash: string): Promise<{ user: UserRow; expiresAt: string } | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Every session of the user but `keepTokenHash` (all of them when undefined); returns how many went. */
  deleteUserSessions(userId: string, keepTokenHash: string | undefined): Promise<number>;
  /** Of the given token hashes, those whose session row still exists (expired or not). */
  existingSessions(tokenHashes: readonly string[]): Promise<string[]>;
  /** Each given user's last notification id (users without any are left out): one statement for many streams. */
  notificationCounters(userIds: readonly string[]): Promise<{ userId: string; lastId: number }[]>;
  /** Deletes sessions that expired before `now`; returns how many. */
  purgeSessions(now: string): Promise<number>;
  findPasswordHash(userId: string): Promise<string | undefined>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;

  insertGroup(group: GroupRow, createdBy: string): Promise<void>;
  addMember(groupId: string, userId: string, joinedAt: string): Promise<boolean>;
  /** False when the user was not a member. */
  removeMember(groupId: string, userId: string): Promise<boolean>;
  /**
   * The group's write lock for commands that must not interleave (a member leaving while a bill naming
   * them is written): PostgreSQL row-locks the group until commit; SQLite has one writer, nothing to do.
   * False when the group does not exist.
   */
  lockGroup(groupId: string): Promise<boolean>;
  unpaidParts(groupId: string, userId: string): Promise<UnpaidParts>;
  isMember(groupId: string, userId: string): Promise<boolean>;
  getGroup(groupId: string): Promise<GroupRow | undefined>;
  listMembers(groupId: string): Promise<MemberRow[]>;
  listGroupsOf(userId: string): Promise<GroupRow[]>;
  /** The group's change counter (0 for an unknown group): how many committed changes sent group.updated. */
  groupVersion(groupId: string): Promise<number>;
  /** Increments the group's change counter in this transaction and returns the new value. */
  bumpGroupVersion(groupId: string): Promise<number>;

  /** The bill, its shares, and the debts it adds to its group (addDebts), in one statement where the dialect allows. */
  insertBill(bill: BillRow, debts?: DebtChange[]): Promise<void>;
  /**
   * appendActivity, bumpGroupVersion, insertBill, then appendNotifications, in one statement where the
   * dialect allows; for a caller that holds the group's lock (lockGroupForBill), so the group exists.
   * Returns the event's id, the group's new version and the notifications as stored, in the order given.
   */
  insertBillWithActivity(
    bill: BillRow,
    debts: DebtChange[],
    activity: NewActivityRow,
    notifications: NewNotification[],
  ): Promise<{ id: number; version: number; notifications: NotificationRow[] }>;
  /**
   * lockGroup, then what a new bill checks, read under the lock (so it is current): the group, its members'
   * ids (in no set order) and its unpaid debts' total, in one round trip where the dialect allows.
   * Undefined when the group does not exist.
   */
  lockGroupForBill(groupId: string): Promise<{ group: GroupRow; memberIds: string[]; debtTotal: number } | undefined>;
  getBill(billId: string): Promise<BillRow | undefined>;
  /** Newest first; `beforeId` is exclusive. */
  listBills(groupId: string, limit: number, beforeId: string | undefined): Promise<BillRow[]>;
  /** Marks the share paid if it is unpaid; false when it was not. */
  markSharePaid(billId: string, userId: string, paidAt: string): Promise<boolean>;
  /** Marks the share unpaid again if it is still paid at exactly `paidAt`; false when it was not. */
  markShareUnpaid(billId: string, userId: string, paidAt: string): Promise<boolean>;
  markBillDeleted(billId: string, deletedAt: string): Promise<boolean>;
  addDebt(groupId: string, debtorId: string, creditorId: string, delta: number): Promise<void>;
  /** Several pairs in one statement, in the order given (sorted by the caller, so writers lock rows in one order). */
  addDebts(groupId: string, entries: DebtChange[]): Promise<void>;
  listDebts(groupId: string): Promise<DebtRow[]>;
  /** The sum of the group's unpaid pair totals (0 for none). */
  debtTotal(groupId: string): Promise<number>;

  /** Stores the user's next notification: ids per user are gapless and increase in commit order. */
  appendNotification(userId: string, type: string, createdAt: string, data: string): Promise<NotificationRow>;
  /** Several at once (one statement where the driver allows), returned in the order given. */
  appendNotifications(items: NewNotification[]): Promise<NotificationRow[]>;
  /** Newest first; `beforeId` exclusive. */
  listNotifications(userId: string, limit: number, beforeId: number | undefined): Promise<NotificationRow[]>;
  /** Oldest first, ids greater than `afterId`. */
  notificationsAfter(userId: string, afterId: number, limit: number): Promise<NotificationRow[]>;
  notificationState(userId: string): Promise<{ lastId: number; readUpTo: number }>;
  markRead(userId: string, upTo: number, readAt: string): Promise<void>;

  /** These notifications of one user (any order). */
  notificationsByIds(userId: string, ids: readonly number[]): Promise<NotificationRow[]>;
  /** Raises the user's seen mark to `upTo` (never lowers it). */
  markSeen(userId: string, upTo: number): Promise<void>;
  seenUpTo(userId: string): Promise<number>;

  /** Stores the subscription, or re-binds an existing one with the same endpoint to `sub.userId` (created: false). */
  upsertPushSubscription(sub: PushSubscriptionRow): Promise<{ subscription: PushSubscriptionRow; created: boolean }>;
  /** Oldest first. */
  listPushSubscriptions(userIds: readonly string[]): Promise<PushSubscriptionRow[]>;
  getPushSubscription(id: string): Promise<PushSubscriptionRow | undefined>;
  /** Deletes the subscription (only if it is `userId`'s, when given) and its pending deliveries; false if there was none. */
  deletePushSubscription(id: string, userId: string | undefined): Promise<boolean>;

  preferencesOf(userIds: readonly string[]): Promise<PreferenceRow[]>;
  /** Upserts each row; a null field keeps what was stored. */
  setPreferences(rows: readonly PreferenceRow[]): Promise<void>;
  deletePreference(userId: string, type: string): Promise<void>;

  insertDeliveries(rows: readonly DeliveryRow[]): Promise<void>;
  /**
   * Leases up to `limit` due deliveries (due_at ≤ now, no live lease) until `leaseUntil`, oldest due first.
   * PostgreSQL skips rows another instance is claiming (FOR UPDATE SKIP LOCKED), so no two claim one row.
   */
  claimDueDeliveries(now: string, leaseUntil: string, limit: number): Promise<DeliveryRow[]>;
  /** Leases every pending email delivery of the user, due or not (one digest takes them all). */
  claimUserEmails(userId: string, now: string, leaseUntil: string): Promise<DeliveryRow[]>;
  finishDelivery(key: DeliveryKey): Promise<void>;
  retryDelivery(key: DeliveryKey, dueAt: string, attempts: number): Promise<void>;
  deliveryQueue(now: string): Promise<DeliveryQueueRow[]>;

  getSecret(name: string): Promise<string | undefined>;
  /** Stores the value unless the name has one; returns the stored value (the first writer's on a race). */
  putSecretOnce(name: string, value: string): Promise<string>;
  /** The group's next event: ids per group increase in commit order. Undefined if there is no such group. */
  appendActivity(groupId: string, actorId: string, type: string, createdAt: string, data: string): Promise<{ id: number } | undefined>;
  /** Newest first; `beforeId` exclusive. The actor's name is the current one. */
  listActivity(groupId: string, limit: number, beforeId: number | undefined): Promise<ActivityRow[]>;

  insertInvite(invite: InviteRow): Promise<void>;
  findInviteByHash(tokenHash: string): Promise<InviteRow | undefined>;
  getInvite(inviteId: string): Promise<InviteRow | undefined>;
  /** Not revoked and expiring after `now`, newest first. */
  listOpenInvites(groupId: string, now: string): Promise<InviteRow[]>;
  /** False when it was already revoked. */
  revokeInvite(inviteId: string, revokedAt: string): Promise<boolean>;

  getIdempotency(userId: string, key: string): Promise<IdempotencyRow | undefined>;
  /** Inserts a pending key held by `holder` until `leaseUntil`; false when the key exists. */
  claimIdempotency(
    userId: string,
    key: string,
    requestHash: string,
    createdAt: string,
    holder: string,
    leaseUntil: string,
  ): Promise<boolean>;
  /**
   * Takes over a pending key of the same request whose lease ended before `now` (its holder died or hangs):
   * `holder` holds it until `leaseUntil`. False when the lease is live, the request differs or the key is done.
   */
  reclaimIdempotency(userId: string, key: string, requestHash: string, now: string, holder: string, leaseUntil: string): Promise<boolean>;
  /** Extends `holder`'s lease on a pending key; false when the key is no longer pending and `holder`'s. */
  renewIdempotency(userId: string, key: string, holder: string, leaseUntil: string): Promise<boolean>;
  /** Records the response on `holder`'s pending key; false (nothing changed) when another holder took it over. */
  completeIdempotency(userId: string, key: string, holder: string, status: number, body: string): Promise<boolean>;
  /** Deletes the key while it is pending and `holder`'s. */
  releaseIdempotency(userId: string, key: string, holder: string): Promise<void>;
  purgeIdempotency(olderThan: string): Promise<number>;

  /**
   * Sends each payload on `channel` to whoever listens there, as part of this transaction: delivered on
   * COMMIT, dropped on ROLLBACK (PostgreSQL NOTIFY); outside a transaction, at once. The store does not
   * know who listens or what the payloads mean. SQLite has no listeners to send to and refuses.
   */
  notify(channel: string, payloads: string[]): Promise<void>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction: everything it wrote commits together or not at all. */
  transaction<T>(fn: (tx: Ops) => Promise<T>): Promise<T>;
  /** Autocommit reads and single-statement writes, outside any transaction. */
  readonly read: Ops;
  ping(): Promise<void>;
  close(): Promise<void>;
}

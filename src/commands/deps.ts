import type { Store, NotificationRow } from '../store/store.ts';

/** What a committed change asks the live layer to deliver. */
export type Outbox = {
  notifications: NotificationRow[];
  /** group.updated goes to every member with an open stream. */
  groupUpdates: { groupId: string; memberIds: string[] }[];
};

export type Deps = {
  store: Store;
  now: () => Date;
  /** Called after commit, never inside a transaction. */
  publish: (outbox: Outbox) => void;
  sessionTtlMs: number;
};

export const emptyOutbox = (): Outbox => ({ notifications: [], groupUpdates: [] });

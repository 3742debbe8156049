import type { Outbox, Store } from '../store/store.ts';

export type { Outbox };

export type Deps = {
  store: Store;
  now: () => Date;
  /** Called after commit, never inside a transaction. */
  publish: (outbox: Outbox) => void;
  sessionTtlMs: number;
};

export const emptyOutbox = (): Outbox => ({ notifications: [], groupUpdates: [] });

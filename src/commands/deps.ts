import type { Store } from '../store/store.ts';
import type { Bus } from '../notify/bus/bus.ts';
import type { Planner } from '../notify/deliveries/plan.ts';

export type Deps = {
  store: Store;
  now: () => Date;
  /** Where the unit of work hands each committed outbox (src/commands/unit-of-work.ts); nothing else uses it. */
  bus: Bus;
  sessionTtlMs: number;
  /** Plans each stored notification's push and email deliveries in its transaction (src/notify/deliveries/plan.ts). */
  deliveries?: Planner;
  /** How long a pending Idempotency-Key is held unless renewed (src/commands/idempotency.ts); default 10 s. */
  idempotencyLeaseMs?: number;
  /** How long a payer may undo marking a part paid (config UNPAY_WINDOW_SECONDS). */
  unpayWindowMs: number;
};

// What a committed change asks the live layer to deliver. A command fills it inside its transaction; the
// unit of work (src/commands/unit-of-work.ts) hands it to the bus, which carries it to the hubs.
import type { NotificationRow } from '../store/store.ts';

export type Outbox = {
  notifications: NotificationRow[];
  /** group.updated goes to every member with an open stream. */
  groupUpdates: { groupId: string; memberIds: string[] }[];
};

export const emptyOutbox = (): Outbox => ({ notifications: [], groupUpdates: [] });

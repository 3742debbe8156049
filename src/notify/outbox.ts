// What a committed change asks the live layer to deliver. A command fills it inside its transaction; the
// unit of work (src/commands/unit-of-work.ts) hands it to the bus, which carries it to the hubs.
import type { NotificationRow } from '../store/store.ts';

/**
 * group.updated goes to every member with an open stream, as a coalesced refresh hint (src/notify/hub.ts).
 * `version` is the group's change counter after this change: the unit of work sets it in the writing
 * transaction (src/commands/unit-of-work.ts), unless the command bumped the counter itself and set it.
 */
export type GroupUpdate = { groupId: string; memberIds: string[]; version?: number };

export type Outbox = {
  notifications: NotificationRow[];
  groupUpdates: GroupUpdate[];
};

export const emptyOutbox = (): Outbox => ({ notifications: [], groupUpdates: [] });

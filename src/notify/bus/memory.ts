// The in-process bus: one instance owns the database (SQLite, see src/store/sqlite/owner-lock.ts), so every
// stream a change concerns is on this instance's hub; the committed outbox goes straight to it.
import type { Bus, BusHub } from './bus.ts';

export function memoryBus(hub: Pick<BusHub, 'publish'>): Bus {
  return {
    afterCommit: (outbox) => hub.publish(outbox),
    close: async () => undefined,
  };
}

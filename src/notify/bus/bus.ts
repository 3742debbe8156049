// The bus carries each committed outbox to the hub of every instance that may hold its receivers' streams.
// The unit of work (src/commands/unit-of-work.ts) is its only writer: it calls beforeCommit inside the
// writing transaction and afterCommit once that transaction has committed. What a bus hears it hands to its
// own instance's hub. Implementations: memory.ts (one instance, SQLite), postgres.ts (LISTEN/NOTIFY) and
// nats.ts (a subject per user on NATS, BUS_URL); src/server.ts picks one. A new one (another broker) is one file here plus its choice in server.ts.
import type { Ops } from '../../store/store.ts';
import type { Outbox } from '../outbox.ts';

/** The local hub, as a bus sees it. */
export type BusHub = {
  publish(outbox: Outbox): void;
  /** Something may have been missed (a lost connection, an unreadable message): every stream re-reads the store. */
  resyncAll(): void;
  /** The users with a stream on this instance. */
  streamUsers(): string[];
  /** Streams behind their user's last id (read from the store) catch up from it. */
  resyncBehind(counters: { userId: string; lastId: number }[]): void;
};

export interface Bus {
  /**
   * Inside the writing transaction, after the command and before COMMIT: a bus that rides the database's
   * own commit sends here (PostgreSQL delivers NOTIFY on COMMIT and drops it on ROLLBACK). Others leave it out.
   */
  beforeCommit?(tx: Pick<Ops, 'notify'>, outbox: Outbox): Promise<void>;
  /** After COMMIT, never inside a transaction. Does not throw: what it cannot send, resync heals. */
  afterCommit(outbox: Outbox): void;
  /** A bus that routes by user hears a user only while this instance holds a stream of theirs (src/notify/hub.ts `users`). */
  watchUser?(userId: string): void;
  unwatchUser?(userId: string): void;
  close(): Promise<void>;
}

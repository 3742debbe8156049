// The bus carries each committed outbox to the hub of every instance that may hold its receivers' streams.
// The unit of work (src/commands/unit-of-work.ts) is its only writer: it calls beforeCommit inside the
// writing transaction and afterCommit once that transaction has committed. What a bus hears it hands to its
// own instance's hub. Implementations: memory.ts (one instance, SQLite) and postgres.ts (LISTEN/NOTIFY);
// src/server.ts picks one. A new one (another broker) is one file here plus its choice in server.ts.
import type { Ops } from '../../store/store.ts';
import type { Outbox } from '../outbox.ts';

/** The local hub, as a bus sees it. */
export type BusHub = {
  publish(outbox: Outbox): void;
  /** Something may have been missed (a lost connection, an unreadable message): every stream re-reads the store. */
  resyncAll(): void;
};

export interface Bus {
  /**
   * Inside the writing transaction, after the command and before COMMIT: a bus that rides the database's
   * own commit sends here (PostgreSQL delivers NOTIFY on COMMIT and drops it on ROLLBACK). Others leave it out.
   */
  beforeCommit?(tx: Pick<Ops, 'notify'>, outbox: Outbox): Promise<void>;
  /** After COMMIT, never inside a transaction. Does not throw: what it cannot send, resync heals. */
  afterCommit(outbox: Outbox): void;
  close(): Promise<void>;
}

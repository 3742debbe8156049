// The embedded store on node:sqlite. node:sqlite is synchronous and Chipin holds one connection, so every
// transaction and every read goes through one queue: an `await` inside a transaction can never let another
// request's statements run on the same connection in the middle of it (they would see uncommitted rows).
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { queries, type Db } from '../queries.ts';
import { loadMigrations } from '../migrate.ts';
import type { Ops, Store } from '../store.ts';

export type SqliteOptions = {
  /** 'normal' survives a process crash (WAL); 'full' also survives power loss, at one fsync per commit. */
  synchronous: 'normal' | 'full';
};

type SqlValue = null | number | bigint | string;

export function openSqliteStore(path: string, options: SqliteOptions): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const conn = new DatabaseSync(path);
  conn.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous.toUpperCase()}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;`);
  migrate(conn);
  // One process owns this file, so a key still pending at start-up belongs to a request that died with the
  // previous process (a crash mid-request): free it, or a client's retry would get 409 "in flight" until
  // the key went stale a minute later.
  conn.exec(`DELETE FROM idempotency_keys WHERE state = 'pending'`);

  const statements = new Map<string, StatementSync>();
  const prepare = (sql: string) => {
    let st = statements.get(sql);
    if (!st) {
      st = conn.prepare(sql);
      statements.set(sql, st);
    }
    return st;
  };
  const db: Db = {
    all: async (sql, params) => prepare(sql).all(...(params as SqlValue[])) as Record<string, unknown>[],
    get: async (sql, params) => prepare(sql).get(...(params as SqlValue[])) as Record<string, unknown> | undefined,
    run: async (sql, params) => Number(prepare(sql).run(...(params as SqlValue[])).changes),
  };
  const ops = queries(db);

  let tail: Promise<unknown> = Promise.resolve();
  function enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = tail.then(work);
    tail = result.catch(() => undefined);
    return result;
  }

  const read = Object.fromEntries(
    Object.entries(ops).map(([name, fn]) => [name, (...args: unknown[]) => enqueue(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args))]),
  ) as unknown as Ops;

  let closed = false;
  return {
    dialect: 'sqlite',
    read,
    transaction<T>(fn: (tx: Ops) => Promise<T>): Promise<T> {
      return enqueue(async () => {
        conn.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(ops);
          conn.exec('COMMIT');
          return result;
        } catch (e) {
          if (conn.isTransaction) conn.exec('ROLLBACK');
          throw e;
        }
      });
    },
    async ping() {
      await enqueue(async () => prepare('SELECT 1').get());
    },
    async close() {
      if (closed) return;
      closed = true;
      await enqueue(async () => {
        conn.exec('PRAGMA optimize');
        conn.close();
      });
    },
  };
}

function migrate(conn: DatabaseSync) {
  conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const applied = new Set((conn.prepare('SELECT version FROM schema_migrations').all() as { version: string }[]).map((r) => r.version));
  for (const m of loadMigrations('sqlite')) {
    if (applied.has(m.version)) continue;
    conn.exec('BEGIN IMMEDIATE');
    try {
      conn.exec(m.sql);
      conn.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, new Date().toISOString());
      conn.exec('COMMIT');
    } catch (e) {
      conn.exec('ROLLBACK');
      throw e;
    }
  }
}

// The PostgreSQL store: the same SQL as SQLite (src/store/queries.ts) over a `pg` pool. Transactions run on
// one pooled client at READ COMMITTED; the per-user notification counter (UPDATE … RETURNING) row-locks, so
// concurrent writers for one user take consecutive ids and commit in id order.
import pg from 'pg';
import type { CustomTypesConfig, PoolClient } from 'pg';
import { queries, type Db, type NotificationIdSource } from '../queries.ts';
import { loadMigrations } from '../migrate.ts';
import type { NotificationRow, Ops, Store } from '../store.ts';
import { ANNOUNCE_SQL, listenBus, notificationPayloads } from './notify-bus.ts';

// Writers run side by side: each takes the user's counter row lock (src/store/queries.ts appendNotification).
const COUNTER_ROW: NotificationIdSource = { kind: 'counter-row' };
const INT8 = 20;
const NUMERIC = 1700;

/**
 * BIGINT and NUMERIC (COUNT, SUM) arrive as strings by default because they can exceed 2^53; Chipin's
 * amounts and ids never do, and SQLite returns numbers. Set per pool, so other `pg` users keep the default.
 */
export const pgTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? Number : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

/** Any constant will do, as long as every Chipin instance uses the same one. */
const MIGRATION_LOCK = 0x636869706e; // "chipn"

/** `?` → `$1…$n`. queries.ts has no `?` inside literals, so a plain scan is enough. Done once per SQL text. */
const numbered = new Map<string, string>();
function toPg(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    numbered.set(sql, out);
  }
  return out;
}

type Queryable = Pick<pg.Pool, 'query'> | PoolClient;

function dbOver(conn: Queryable): Db {
  return {
    all: async (sql, params) => (await conn.query(toPg(sql), params as unknown[])).rows,
    get: async (sql, params) => (await conn.query(toPg(sql), params as unknown[])).rows[0],
    run: async (sql, params) => (await conn.query(toPg(sql), params as unknown[])).rowCount ?? 0,
  };
}

export async function openPostgresStore(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, types: pgTypes, keepAlive: true });
  // An idle client whose server went away emits here; the pool has already discarded it, and without a
  // listener the event would crash the process.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const read = queries(dbOver(pool), COUNTER_ROW);

  let closed = false;
  return {
    dialect: 'postgres',
    read,
    async transaction<T>(fn: (tx: Ops) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      const ops = queries(dbOver(client), COUNTER_ROW);
      const appended: NotificationRow[] = [];
      const appendNotifications: Ops['appendNotifications'] = async (items) => {
        const rows = await ops.appendNotifications(items);
        appended.push(...rows);
        return rows;
      };
      const tx: Ops = {
        ...ops,
        appendNotifications,
        appendNotification: async (userId, type, createdAt, data) => (await appendNotifications([{ userId, type, createdAt, data }]))[0],
      };
      // A client whose ROLLBACK fails (the connection died) is destroyed rather than handed to the next caller.
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        // NOTIFY inside the transaction: PostgreSQL delivers it on COMMIT and drops it on ROLLBACK, so
        // every listening instance hears exactly the rows that were stored, and only once they are visible.
        if (appended.length > 0) await client.query(ANNOUNCE_SQL, [notificationPayloads(appended)]);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw e;
      } finally {
        client.release(broken);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    bus: (hub) => listenBus({ url, pool, read, hub }),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * One transaction under a transaction-scoped advisory lock: a second instance starting at the same time
 * waits, then finds the versions recorded and applies nothing. PostgreSQL DDL is transactional, so a
 * failed migration leaves no trace.
 */
async function migrate(pool: pg.Pool) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const m of loadMigrations('postgres')) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql); // no parameters: the simple protocol, which runs every statement in the file
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [m.version, new Date().toISOString()]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

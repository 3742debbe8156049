// The PostgreSQL store: the same SQL as SQLite (src/store/queries.ts) over a `pg` pool. Transactions run on
// one pooled client at READ COMMITTED; the per-user notification counter (UPDATE … RETURNING) row-locks, so
// concurrent writers for one user take consecutive ids and commit in id order.
import pg from 'pg';
import type { CustomTypesConfig, PoolClient } from 'pg';
import { queries, type Db, type NotificationIdSource } from '../queries.ts';
import { moneyQueries } from '../money-ops.ts';
import { loadMigrations } from '../migrate.ts';
import type { Ops, Store } from '../store.ts';
import { asUnavailable, isConnectionLoss } from './connection-loss.ts';

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

const CONNECT_TIMEOUT_MS = 5000;

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

type Queryable = { query(sql: string | pg.QueryConfig, params: unknown[]): Promise<pg.QueryResult> };

/**
 * Statements with parameters go as named prepared statements (PostgreSQL, "Extended Query" in the frontend/
 * backend protocol): each connection parses and plans a text once, then only binds and executes it, and
 * the driver stops sending the text. Texts whose length follows their data stay unnamed, so a connection
 * does not keep one plan per length: `IN (?,?,…)` lists (src/store/queries.ts `placeholders`, the only
 * place `?,?` occurs) and multi-row VALUES (`tuples`, the only place `), (?` occurs). Needs a pooler that
 * tracks protocol-level prepared statements (PgBouncer ≥ 1.21 with max_prepared_statements), or none.
 */
const VARIABLE_LENGTH = /\$\d+,\$\d+|\), \(\$/;
const statementNames = new Map<string, string | null>();
export function statement(sql: string, params: readonly unknown[]): string | pg.QueryConfig {
  const text = toPg(sql);
  if (params.length === 0) return text;
  let name = statementNames.get(text);
  if (name === undefined) {
    name = VARIABLE_LENGTH.test(text) ? null : `chipin_${statementNames.size}`;
    statementNames.set(text, name);
  }
  if (name === null) return text;
  // A new object each time: pg writes the values into the config it is given.
  return { name, text };
}

/** One round trip for any number of payloads; unnest keeps the array's order. */
const NOTIFY_SQL = 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p';

/** The queries over one connection (a transaction's client, or the pool for autocommit), with NOTIFY. */
function opsOver(conn: Queryable): Ops {
  return {
    ...queries(dbOver(conn), COUNTER_ROW, { skipLocked: true }),
    ...moneyQueries(dbOver(conn), 'postgres'),
    async notify(channel, payloads) {
      if (payloads.length > 0) await conn.query(NOTIFY_SQL, [channel, payloads]);
    },
  };
}

function dbOver(conn: Queryable): Db {
  return {
    oneStatementWrites: true,
    all: async (sql, params) => (await conn.query(statement(sql, params), params as unknown[])).rows,
    get: async (sql, params) => (await conn.query(statement(sql, params), params as unknown[])).rows[0],
    run: async (sql, params) => (await conn.query(statement(sql, params), params as unknown[])).rowCount ?? 0,
    // Values go in as literals: a query of several statements has to use the simple protocol, which takes
    // no parameters (and with no parameters pg sends it that way).
    batch: async (statements) => {
      const text = statements.map(({ sql, params }) => inlined(sql, params)).join(';\n');
      const results = (await conn.query(text, [])) as pg.QueryResult | pg.QueryResult[];
      return Array.isArray(results) ? results.map((r) => r.rows) : [results.rows];
    },
  };
}

/** `?` → each value as a quoted literal, in order. */
function inlined(sql: string, params: readonly string[]): string {
  let i = 0;
  return sql.replace(/\?/g, () => pg.escapeLiteral(params[i++]));
}

/**
 * A transaction's connection, whose BEGIN is sent with its first statement: in the same message when that
 * statement takes no parameters (a batch, src/store/queries.ts: a new bill's lock and read), one round trip
 * fewer; alone just before it otherwise, since a statement with parameters cannot share a message.
 */
function beginning(client: PoolClient): Queryable & { begun(): boolean } {
  let begun = false;
  return {
    begun: () => begun,
    async query(sql, params) {
      if (begun) return client.query(sql, params);
      begun = true;
      if (params.length > 0) {
        await client.query('BEGIN');
        return client.query(sql, params);
      }
      // Several statements: one result each, BEGIN's first.
      const [, ...results] = (await client.query(`BEGIN;${sql}`)) as unknown as pg.QueryResult[];
      return (results.length === 1 ? results[0] : results) as pg.QueryResult;
    },
  };
}

/** A client out of the pool, watched for as long as it is out. */
type Lease = {
  client: PoolClient;
  /** The error the connection died with while leased, if it did. */
  lost(): Error | undefined;
  /** Back to the pool; discarded (pg-pool's release(err)) if its connection died or `broken` is given. */
  release(broken?: unknown): void;
};

/**
 * Every checkout goes through here. pg emits 'error' on a client whose connection dies (a terminated
 * backend, a restart): the pool listens only while the client is idle in it, and an 'error' event with no
 * listener ends the process, so every instance went down with one pg_terminate_backend (issue 19). The
 * listener here records the loss; the request running on the client fails with it (503) and the client is
 * discarded.
 */
async function lease(pool: pg.Pool): Promise<Lease> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw asUnavailable(error, true); // no connection at all: whatever the reason, the database is not there
  }
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  return {
    client,
    lost: () => lost,
    release(broken) {
      client.removeListener('error', onError);
      client.release(lost ?? (broken === undefined ? undefined : broken instanceof Error ? broken : new Error(String(broken))));
    },
  };
}

/** One statement on a leased client, as pool.query does, with a failed connection reported as unavailable. */
function pooled(pool: pg.Pool): Queryable {
  return {
    async query(sql, params) {
      const l = await lease(pool);
      try {
        const result = await l.client.query(sql, params);
        l.release();
        return result;
      } catch (error) {
        // A statement that failed (a constraint, say) leaves a healthy client; a dead connection does not.
        l.release(isConnectionLoss(error) ? error : undefined);
        throw asUnavailable(error, l.lost() !== undefined);
      }
    },
  };
}

export type PostgresOptions = {
  /** Connections in the pool (pg-pool's default: 10). */
  poolMax?: number;
  /** statement_timeout of every pooled connection, ms; 0 or undefined: the server's own. */
  statementTimeoutMs?: number;
};

export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<Store> {
  // connectionTimeoutMillis: a database that does not answer at all (a cut network) fails a request after
  // 5 s (503) rather than holding it; pg-pool applies the same bound to a wait for a free client.
  // statement_timeout goes in the startup packet (pg's `statement_timeout` option), not a SET per checkout:
  // no extra round trip, and a transaction-mode pooler that passes startup options keeps it.
  const pool = new pg.Pool({
    connectionString: url,
    types: pgTypes,
    keepAlive: true,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    max: options.poolMax ?? 10,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // An idle client whose server went away emits here; the pool has already discarded it, and without a
  // listener the event would crash the process.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const read = opsOver(pooled(pool));

  let closed = false;
  return {
    dialect: 'postgres',
    read,
    async transaction<T>(fn: (tx: Ops) => Promise<T>): Promise<T> {
      const leased = await lease(pool);
      const { client } = leased;
      // NOTIFY waits for COMMIT and rides it: one round trip for both. PostgreSQL queues a NOTIFY until the
      // transaction commits anyway, so sending it just before COMMIT rather than when asked changes nothing
      // a listener can see; a NOTIFY that fails (a payload too long) fails the COMMIT, which rolls back.
      const notices: string[] = [];
      const conn = beginning(client);
      const tx: Ops = {
        ...opsOver(conn),
        async notify(channel, payloads) {
          for (const p of payloads) notices.push(`SELECT pg_notify(${client.escapeLiteral(channel)}, ${client.escapeLiteral(p)});`);
        },
      };
      // A client whose ROLLBACK fails (the connection died) is destroyed rather than handed to the next caller.
      let broken: unknown;
      try {
        const result = await fn(tx);
        // A simple-protocol query of several statements: run in order, stopping at the first error.
        const commit = `${notices.join('')}COMMIT`;
        await client.query(conn.begun() ? commit : `BEGIN;${commit}`);
        return result;
      } catch (e) {
        // Nothing sent, nothing to roll back.
        if (conn.begun())
          await client.query('ROLLBACK').catch((rollbackError: Error) => {
            broken = rollbackError;
          });
        // A connection lost during COMMIT leaves its outcome unknown: 503 says retry, and a retry with the
        // same Idempotency-Key is answered from the key if it did commit.
        throw asUnavailable(e, leased.lost() !== undefined);
      } finally {
        leased.release(broken);
      }
    },
    async ping() {
      await pooled(pool).query('SELECT 1', []);
    },
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
  const leased = await lease(pool);
  const { client } = leased;
  let broken: unknown;
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
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw e;
  } finally {
    leased.release(broken);
  }
}

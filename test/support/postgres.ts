// Throw-away PostgreSQL databases for tests: each run creates its own and drops it afterwards.
// PostgreSQL is optional on a laptop (those tests are skipped with a message) and required under CI=true.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Under CI an unreachable PostgreSQL is a failure, not a reason to skip. */
export const postgresRequired = process.env.CI === 'true';

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** undefined when PostgreSQL answers; otherwise a message saying why not. */
export async function postgresUnavailable(): Promise<string | undefined> {
  try {
    await admin((c) => c.query('SELECT 1'));
    return undefined;
  } catch (e) {
    return `PostgreSQL at ${ADMIN_URL.replace(/\/\/[^@]*@/, '//')} is unreachable (${(e as Error).message}); set TEST_POSTGRES_URL or run under CI=true to make this a failure`;
  }
}

export type TestDatabase = { url: string; drop: () => Promise<void> };

/**
 * A fresh database. Where PostgreSQL has ICU it uses an en-US collation, in which "B_" sorts before "a0",
 * so a column that forgot COLLATE "C" orders differently from SQLite and the contract tests notice.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `chipin_test_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    try {
      await c.query(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`);
    } catch {
      await c.query(`CREATE DATABASE ${name}`);
    }
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE: a server killed with SIGKILL may leave sessions the backend has not noticed yet.
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

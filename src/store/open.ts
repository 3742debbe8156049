import type { Config } from '../config.ts';
import type { Store } from './store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

export async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl.startsWith('sqlite:')) {
    return openSqliteStore(config.databaseUrl.slice('sqlite:'.length), { synchronous: config.sqliteSynchronous });
  }
  const { openPostgresStore } = await import('./postgres/postgres-store.ts');
  return openPostgresStore(config.databaseUrl, { poolMax: config.databasePoolMax, statementTimeoutMs: config.databaseStatementTimeoutMs });
}

// Test harness: a real Chipin server on a real socket and a real SQLite file in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config.ts';
import { startServer, type Server } from '../../src/server.ts';
import { createTestDatabase } from './postgres.ts';

export type TestServer = Server & { dir: string; env: Record<string, string> };

/**
 * `TEST_STORE=postgres` runs the same suites on a throw-away PostgreSQL database per server
 * (`npm run test:postgres`); the default is a SQLite file.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'chipin-test-'));
  const pgDb = process.env.TEST_STORE === 'postgres' && env.DATABASE_URL === undefined ? await createTestDatabase() : undefined;
  const fullEnv = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT: 'off', DATABASE_URL: pgDb?.url ?? `sqlite:${join(dir, 'chipin.db')}`, ...env };
  const server = await startServer(parseConfig(fullEnv));
  const close = server.close;
  return {
    ...server,
    dir,
    env: fullEnv,
    async close() {
      await close();
      await pgDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Test harness: a real Chipin server on a real socket and a real SQLite file in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config.ts';
import { startServer, type Server } from '../../src/server.ts';

export type TestServer = Server & { dir: string; env: Record<string, string> };

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'chipin-test-'));
  const fullEnv = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT: 'off', DATABASE_URL: `sqlite:${join(dir, 'chipin.db')}`, ...env };
  const server = await startServer(parseConfig(fullEnv));
  const close = server.close;
  return {
    ...server,
    dir,
    env: fullEnv,
    async close() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

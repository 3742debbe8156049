// Where a test server keeps its data, for both kits (server.ts in this process, child-server.ts in another):
// the caller's DATABASE_URL if it gave one; otherwise a throw-away PostgreSQL database under
// TEST_STORE=postgres (`npm run test:postgres`), or else a SQLite file in the server's own folder.
import { join } from 'node:path';
import { createTestDatabase } from './postgres.ts';
import { makeTempDir } from './temp-dir.ts';

export type TestData = {
  /** The server's own folder (the SQLite file, when it has one), removed by remove(). */
  dir: string;
  databaseUrl: string;
  /** Drops the database the kit made, if any, and removes the folder. Safe to call twice. */
  remove(): Promise<void>;
};

export async function testData(env: Record<string, string>, prefix: string): Promise<TestData> {
  const folder = makeTempDir(prefix);
  try {
    const pgDb = process.env.TEST_STORE === 'postgres' && env.DATABASE_URL === undefined ? await createTestDatabase() : undefined;
    return {
      dir: folder.path,
      databaseUrl: env.DATABASE_URL ?? pgDb?.url ?? `sqlite:${join(folder.path, 'chipin.db')}`,
      async remove() {
        try {
          await pgDb?.drop();
        } finally {
          folder.remove();
        }
      },
    };
  } catch (e) {
    folder.remove();
    throw e;
  }
}

// Where a test server keeps its data, for both kits (server.ts in this process, child-server.ts in another):
// the caller's DATABASE_URL if it gave one; otherwise a throw-away PostgreSQL database under
// TEST_STORE=postgres (`npm run test:postgres`), or else a SQLite file in a temporary folder.
import { join } from 'node:path';
import { createTestDatabase } from './postgres.ts';
import { makeTempDir, type TempDir } from './temp-dir.ts';

export type TestData<Dir extends string | undefined> = {
  /** The server's own folder (with the SQLite file, when the kit chose SQLite), removed by remove(). */
  dir: Dir;
  databaseUrl: string;
  /** Drops the database the kit made, if any, and removes the folder. Safe to call twice. */
  remove(): Promise<void>;
};

/** A folder always (`always`), or only where the kit chose SQLite and needs one for the file (`for-sqlite`). */
export async function testData(env: Record<string, string>, prefix: string, folder: 'always'): Promise<TestData<string>>;
export async function testData(env: Record<string, string>, prefix: string, folder: 'for-sqlite'): Promise<TestData<string | undefined>>;
export async function testData(
  env: Record<string, string>,
  prefix: string,
  folder: 'always' | 'for-sqlite',
): Promise<TestData<string | undefined>> {
  const postgres = process.env.TEST_STORE === 'postgres' && env.DATABASE_URL === undefined;
  const sqlite = env.DATABASE_URL === undefined && !postgres;
  const dir: TempDir | undefined = folder === 'always' || sqlite ? makeTempDir(prefix) : undefined;
  try {
    const pgDb = postgres ? await createTestDatabase() : undefined;
    return {
      dir: dir?.path,
      databaseUrl: env.DATABASE_URL ?? pgDb?.url ?? `sqlite:${join(dir!.path, 'chipin.db')}`,
      async remove() {
        try {
          await pgDb?.drop();
        } finally {
          dir?.remove();
        }
      },
    };
  } catch (e) {
    dir?.remove();
    throw e;
  }
}

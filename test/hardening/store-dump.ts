// A dump of every table in a Chipin SQLite file, read through a second connection of its own
// (WAL lets it read what the server committed while the server keeps running). Two dumps are equal
// exactly when nothing was stored, changed or deleted in between.
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';

export type Dump = Record<string, unknown[]>;

export type DbReader = {
  dump(): Dump;
  /** Rows of one query, for checks that are easier in SQL. */
  all<T = Record<string, unknown>>(sql: string, ...params: (string | number | null)[]): T[];
  close(): void;
};

export function openReader(file: string): DbReader {
  const db = new DatabaseSync(file, { readOnly: true });
  const tables = () =>
    (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as {
        name: string;
      }[]
    ).map((t) => t.name);
  return {
    dump() {
      const out: Dump = {};
      // Ordered by every column, so the dump does not depend on the physical row order.
      for (const name of tables()) {
        const cols = (db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => `"${c.name}"`);
        out[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY ${cols.join(', ')}`).all();
      }
      return out;
    },
    all<T>(sql: string, ...params: (string | number | null)[]) {
      return db.prepare(sql).all(...params) as T[];
    },
    close: () => db.close(),
  };
}

/** The database file of a server started by test/support/server.ts. */
export const dbFileOf = (server: { dir: string }) => join(server.dir, 'chipin.db');

/** A short description of how two dumps differ (tables and row counts), for assertion messages. */
export function dumpDiff(before: Dump, after: Dump): string {
  const out: string[] = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = JSON.stringify(before[name] ?? null);
    const b = JSON.stringify(after[name] ?? null);
    if (a !== b) out.push(`${name}: ${before[name]?.length ?? 0} → ${after[name]?.length ?? 0} rows`);
  }
  return out.join('; ');
}

// Migrations are plain SQL files, src/store/migrations/<dialect>/NNNN_name.sql, applied in order at start-up.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Migration = { version: string; sql: string };

export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = join(import.meta.dirname, 'migrations', dialect);
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

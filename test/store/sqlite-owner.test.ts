// One process owns a SQLite database (src/store/sqlite/owner-lock.ts): a live owner refuses a second
// store, a dead owner's leftover file does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

test('a database owned by a live process is refused; a dead owner\'s file is taken over; close lets go', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chipin-owner-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'chipin.db');
  const lock = `${path}-owner`;

  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => sleeper.kill());
  writeFileSync(lock, `${sleeper.pid}\n`);
  assert.throws(() => openSqliteStore(path, { synchronous: 'normal' }), new RegExp(`in use by process ${sleeper.pid}`));
  assert.ok(existsSync(lock), 'the live owner keeps its file');

  const dead = spawnSync('true').pid!;
  writeFileSync(lock, `${dead}\n`);
  const store = openSqliteStore(path, { synchronous: 'normal' });
  assert.ok(existsSync(lock));
  await store.close();
  assert.ok(!existsSync(lock), 'closing removes the file');
  const again = openSqliteStore(path, { synchronous: 'normal' });
  await again.close();
});

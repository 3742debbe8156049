// Group commit on SQLite: concurrent transactions share one COMMIT, yet each one stands or falls alone.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore, type SqliteOptions } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { HOLD_LIMIT_MS } from '../../src/store/sqlite/checkpointer.ts';
import { makeTempDir } from '../support/temp-dir.ts';

type Open = (name: string, options: SqliteOptions) => Store;

/**
 * A folder of the test's own. Stores opened in it are closed before it is removed (after-hooks run in the
 * order they were added, so a hook per store would race the removal with the store's last writes).
 */
function scratch(t: TestContext): { path: (name: string) => string; open: Open } {
  const dir = makeTempDir('chipin-batch-');
  const stores: Store[] = [];
  t.after(async () => {
    for (const store of stores) await store.close();
    dir.remove();
  });
  const path = (name: string) => join(dir.path, name);
  return { path, open: (name, options) => stores[stores.push(openSqliteStore(path(name), options)) - 1] };
}

test('a failing transaction in a batch rolls back alone; the others commit', async (t) => {
  const store = scratch(t).open('db', { synchronous: 'normal' });
  const at = new Date().toISOString();
  const user = (i: number) => ({ id: `u${i}`, name: `U${i}`, email: `u${i}@x.test`, passwordHash: 'h', createdAt: at });
  const results = await Promise.allSettled(
    Array.from({ length: 40 }, (_, i) =>
      store.transaction(async (tx) => {
        await tx.insertUser(user(i));
        await tx.appendNotification(`u${i}`, 'group.member_added', at, '{}');
        if (i % 3 === 0) throw new Error(`job ${i} fails after writing`);
        return i;
      }),
    ),
  );
  results.forEach((r, i) => assert.equal(r.status, i % 3 === 0 ? 'rejected' : 'fulfilled', `job ${i}`));
  for (let i = 0; i < 40; i++) {
    const u = await store.read.getUser(`u${i}`);
    assert.equal(u !== undefined, i % 3 !== 0, `user ${i} stored iff its transaction succeeded`);
    assert.equal((await store.read.notificationsAfter(`u${i}`, 0, 10)).length, i % 3 === 0 ? 0 : 1);
  }
  await store.close();
  await assert.rejects(store.read.getUser('u1'), /closed/);
});

test('data committed by a batch survives reopening the file', async (t) => {
  const { open } = scratch(t);
  const at = new Date().toISOString();
  let store = open('db', { synchronous: 'normal' });
  await Promise.all(
    Array.from({ length: 25 }, (_, i) =>
      store.read.insertUser({ id: `u${i}`, name: 'U', email: `u${i}@x.test`, passwordHash: 'h', createdAt: at }),
    ),
  );
  await store.close();
  store = open('db', { synchronous: 'full' });
  for (let i = 0; i < 25; i++) assert.ok(await store.read.getUser(`u${i}`));
});

test("one user's notification ids stay gapless when jobs of the same batch fail", async (t) => {
  const { open } = scratch(t);
  const at = new Date().toISOString();
  let store = open('db', { synchronous: 'normal' });
  await store.transaction((tx) => tx.insertUser({ id: 'u', name: 'U', email: 'u@x.test', passwordHash: 'h', createdAt: at }));
  // 60 jobs in one turn share batches; every third takes two ids and then fails.
  const results = await Promise.allSettled(
    Array.from({ length: 60 }, (_, i) =>
      store.transaction(async (tx) => {
        const a = await tx.appendNotification('u', 'group.member_added', at, `{"job":${i}}`);
        if (i % 3 === 0) {
          await tx.appendNotification('u', 'group.member_added', at, '{}');
          throw new Error(`job ${i} fails`);
        }
        return a.id;
      }),
    ),
  );
  const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  assert.deepEqual(
    ids,
    Array.from({ length: 40 }, (_, i) => i + 1),
    'ids handed out in job order, without a gap',
  );
  // A row that cannot be stored (no such user) takes no id either.
  await assert.rejects(store.transaction((tx) => tx.appendNotification('nobody', 'group.member_added', at, '{}')));
  await store.transaction(async (tx) => {
    await assert.rejects(tx.appendNotification('nobody', 'group.member_added', at, '{}'));
    assert.equal((await tx.appendNotification('u', 'group.member_added', at, '{}')).id, 41);
  });
  // A new process reads the last id from the table.
  await store.close();
  store = open('db', { synchronous: 'normal' });
  assert.equal((await store.transaction((tx) => tx.appendNotification('u', 'group.member_added', at, '{}'))).id, 42);
  assert.deepEqual(
    (await store.read.notificationsAfter('u', 0, 100)).map((n) => n.id),
    Array.from({ length: 42 }, (_, i) => i + 1),
  );
  assert.equal((await store.read.notificationState('u')).lastId, 42);
});

/** Four writers committing back to back (20,000 rows or 2 s); returns rows written and the WAL's peak size. */
async function sustainedWrites(dir: ReturnType<typeof scratch>, name: string, options: SqliteOptions) {
  const store = dir.open(name, options);
  const wal = `${dir.path(name)}-wal`;
  const at = new Date().toISOString();
  await store.transaction((tx) => tx.insertUser({ id: 'u', name: 'U', email: 'u@x.test', passwordHash: 'h', createdAt: at }));
  const data = JSON.stringify({ pad: 'x'.repeat(3000) }); // about one 4 KB frame a row
  let written = 0;
  let peak = 0;
  const until = performance.now() + 2000;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < until && written < 20_000) {
        await store.transaction((tx) => tx.appendNotification('u', 'group.member_added', at, data));
        written++;
        if (written % 25 === 0) peak = Math.max(peak, statSync(wal).size);
      }
    }),
  );
  await store.close();
  return { written, peak };
}

test('under sustained writes the WAL stays bounded: the checkpointer holds the writer for a full checkpoint', async (t) => {
  const dir = scratch(t);
  // Without a bound (the checkpointer's PASSIVE runs alone), a checkpoint never finishes between two
  // commits and the log only grows: the same load shows what the bound prevents.
  const unbounded = await sustainedWrites(dir, 'unbounded', { synchronous: 'normal', checkpoint: { everyMs: 20, limitFrames: Infinity } });
  const holds: number[] = [];
  const bounded = await sustainedWrites(dir, 'bounded', {
    synchronous: 'normal',
    checkpoint: { everyMs: 20, limitFrames: 64 },
    onCheckpointHold: (ms) => holds.push(ms),
  });
  t.diagnostic(
    `unbounded: ${unbounded.written} rows, WAL peak ${unbounded.peak} B; bounded: ${bounded.written} rows, peak ${bounded.peak} B, ${holds.length} holds, longest ${Math.max(...holds).toFixed(1)} ms`,
  );
  assert.ok(holds.length > 0, 'the writer was held at least once');
  assert.ok(unbounded.peak > (unbounded.written * 4096) / 2, 'the unbounded log kept most of what was written');
  assert.ok(bounded.peak * 3 < unbounded.peak, `the bounded log peaked at ${bounded.peak} B after ${bounded.written} rows`);
  assert.ok(
    Math.max(...holds) < HOLD_LIMIT_MS,
    `the longest hold (${Math.max(...holds).toFixed(1)} ms) ended with the worker's release, not the guard`,
  );
  const store = dir.open('bounded', { synchronous: 'normal' });
  assert.equal((await store.read.notificationState('u')).lastId, bounded.written, 'every committed row is there after reopening');
});

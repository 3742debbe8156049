// The SQLite store's read cache (src/store/sqlite/read-cache.ts): sessions, groups and member lists are
// answered from memory, yet every change is seen at once and nothing uncommitted is ever remembered.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { ReadCache } from '../../src/store/sqlite/read-cache.ts';
import type { GroupRow, Ops } from '../../src/store/store.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const at = '2026-01-01T00:00:00.000Z';
const user = (id: string) => ({ id, name: id.toUpperCase(), email: `${id}@x.test`, passwordHash: 'h', createdAt: at });
const group = (id: string): GroupRow => ({ id, name: `Group ${id}`, currency: 'EUR', createdAt: at });

function open(t: TestContext) {
  const dir = makeTempDir('chipin-cache-');
  const store = openSqliteStore(join(dir.path, 'db'), { synchronous: 'normal' });
  t.after(async () => {
    await store.close();
    dir.remove();
  });
  return store;
}

async function seed(store: ReturnType<typeof openSqliteStore>) {
  await store.transaction(async (tx) => {
    for (const id of ['ann', 'bob', 'cat']) await tx.insertUser(user(id));
    await tx.insertGroup(group('g1'), 'ann');
    await tx.addMember('g1', 'ann', at);
    await tx.addMember('g1', 'bob', at);
    await tx.insertSession('tok-ann', 'ann', at, '2999-01-01T00:00:00.000Z');
    await tx.insertSession('tok-old', 'bob', at, '2026-06-01T00:00:00.000Z');
  });
}

const ids = (members: { id: string }[]) => members.map((m) => m.id);

test('a logged-out session is refused at once, though it was cached', async (t) => {
  const store = open(t);
  await seed(store);
  for (let i = 0; i < 3; i++) assert.equal((await store.read.sessionUser('tok-ann', at))?.id, 'ann');
  await store.read.deleteSession('tok-ann');
  assert.equal(await store.read.sessionUser('tok-ann', at), undefined);
  assert.equal(await store.transaction((tx) => tx.sessionUser('tok-ann', at)), undefined);
});

test('a cached session still expires on time', async (t) => {
  const store = open(t);
  await seed(store);
  assert.equal((await store.read.sessionUser('tok-old', '2026-05-31T23:59:59.999Z'))?.id, 'bob');
  assert.equal((await store.read.sessionUser('tok-old', '2026-05-31T23:59:59.999Z'))?.id, 'bob');
  assert.equal(await store.read.sessionUser('tok-old', '2026-06-01T00:00:00.000Z'), undefined);
});

test('a new member is seen at once by reads and transactions that had the list cached', async (t) => {
  const store = open(t);
  await seed(store);
  assert.deepEqual(ids(await store.read.listMembers('g1')), ['ann', 'bob']);
  assert.equal(await store.read.isMember('g1', 'cat'), false);
  await store.transaction((tx) => tx.addMember('g1', 'cat', at));
  assert.deepEqual(ids(await store.read.listMembers('g1')), ['ann', 'bob', 'cat']);
  assert.equal(await store.read.isMember('g1', 'cat'), true);
  assert.deepEqual(ids(await store.transaction((tx) => tx.listMembers('g1'))), ['ann', 'bob', 'cat']);
});

test('what a rolled-back transaction read is never remembered', async (t) => {
  const store = open(t);
  await seed(store);
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.insertGroup(group('g2'), 'ann');
      await tx.addMember('g2', 'ann', at);
      await tx.addMember('g1', 'cat', at);
      assert.equal((await tx.getGroup('g2'))?.id, 'g2');
      assert.deepEqual(ids(await tx.listMembers('g1')), ['ann', 'bob', 'cat']);
      throw new Error('changed my mind');
    }),
    /changed my mind/,
  );
  assert.equal(await store.read.getGroup('g2'), undefined);
  assert.deepEqual(ids(await store.read.listMembers('g1')), ['ann', 'bob']);
  assert.equal(await store.read.isMember('g1', 'cat'), false);
});

test('a list read in the same batch before a change does not bring the old list back', async (t) => {
  const store = open(t);
  await seed(store);
  // Both are queued in one turn, so they run in one batch: the read first, then the change.
  const [before] = await Promise.all([store.read.listMembers('g1'), store.transaction((tx) => tx.addMember('g1', 'cat', at))]);
  assert.deepEqual(ids(before), ['ann', 'bob']);
  assert.deepEqual(ids(await store.read.listMembers('g1')), ['ann', 'bob', 'cat']);
});

test('a caller changing the list it got does not change the cache', async (t) => {
  const store = open(t);
  await seed(store);
  (await store.read.listMembers('g1')).pop();
  (await store.read.listMembers('g1')).pop();
  assert.deepEqual(ids(await store.read.listMembers('g1')), ['ann', 'bob']);
});

test('the cache holds at most its limit per kind, dropping the oldest entry', async () => {
  const rows = new Map(['a', 'b', 'c'].map((id) => [id, group(id)]));
  let queries = 0;
  const ops = {
    getGroup: async (id: string) => {
      queries++;
      return rows.get(id);
    },
  } as unknown as Ops;
  const cache = new ReadCache(2);
  const cached = cache.wrap(ops);
  for (const id of ['a', 'b']) await cached.getGroup(id);
  cache.commit();
  await cached.getGroup('a'); // a hit: no query
  await cached.getGroup('c');
  cache.commit();
  assert.deepEqual(cache.sizes().group, 2);
  assert.equal(queries, 3);
  assert.equal(cache.group('a'), undefined, 'the oldest entry went first');
  assert.equal(cache.group('b')?.id, 'b');
  assert.equal(cache.group('c')?.id, 'c');
});

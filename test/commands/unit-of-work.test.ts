// The unit of work (src/commands/unit-of-work.ts) on a real SQLite store: the outbox reaches the bus only
// once its transaction has committed, a failed command publishes nothing and frees its Idempotency-Key, and
// a repeated key gets the recorded response without running the command again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { perform, performOnce, type Command } from '../../src/commands/unit-of-work.ts';
import type { Bus } from '../../src/notify/bus/bus.ts';
import type { Outbox } from '../../src/notify/outbox.ts';
import type { NotificationRow, Store } from '../../src/store/store.ts';

const at = '2030-01-01T00:00:00.000Z';

async function setUp(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'chipin-uow-'));
  const store = openSqliteStore(join(dir, 'chipin.db'), { synchronous: 'normal' });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.read.insertUser({ id: 'ann', name: 'Ann', email: 'ann@example.test', passwordHash: 'h', createdAt: at });
  const events: string[] = [];
  const handed: Outbox[] = [];
  const bus: Bus = {
    async beforeCommit(_tx, outbox) {
      events.push(`before:${outbox.notifications.length}`);
    },
    afterCommit(outbox) {
      events.push('after');
      handed.push(outbox);
    },
    close: async () => undefined,
  };
  return { store, bus, events, handed, deps: { store, bus, now: () => new Date(at), sessionTtlMs: 60_000, unpayWindowMs: 300_000 } };
}

/** Stores a notification for Ann and puts it in the outbox; `fail` throws afterwards. Counts its runs. */
function noteCommand() {
  let runs = 0;
  const command: Command<{ fail?: boolean }, NotificationRow> = async ({ tx, outbox, now }, input) => {
    runs++;
    const row = await tx.appendNotification('ann', 'group.member_added', now().toISOString(), '{}');
    outbox.notifications.push(row);
    if (input.fail) throw new Error('the command failed');
    return row;
  };
  return { command, runs: () => runs };
}

const committed = (store: Store) => store.read.notificationsAfter('ann', 0, 10);

test('the outbox goes to the bus after COMMIT, once; a failed command hands over nothing and stores nothing', async (t) => {
  const { store, deps, events, handed } = await setUp(t);
  // beforeCommit runs inside the transaction with the filled outbox; afterCommit only once perform's
  // transaction has committed (SQLite settles a job after its batch's COMMIT).
  const { command } = noteCommand();
  await assert.rejects(perform(deps, command, { fail: true }), /the command failed/);
  assert.deepEqual(events, [], 'no bus step for a rolled-back change');
  assert.deepEqual(await committed(store), []);

  const row = await perform(deps, command, {});
  assert.deepEqual(events, ['before:1', 'after']);
  assert.deepEqual(handed, [{ notifications: [row], groupUpdates: [] }]);
  assert.deepEqual(await committed(store), [row]);
});

test('Idempotency-Key: a failed command frees the key; a repeat is answered from the record without running again', async (t) => {
  const { deps, handed } = await setUp(t);
  const { command, runs } = noteCommand();
  const keyed = (hash: string) => ({ userId: 'ann', key: 'k-1', requestHash: () => hash });
  const answer = (hash: string) => ({ keyed: keyed(hash), status: 201, respond: (row: NotificationRow) => ({ id: String(row.id) }) });

  await assert.rejects(performOnce(deps, command, { fail: true }, answer('h1')), /the command failed/);
  const first = await performOnce(deps, command, {}, answer('h1'));
  // Had the failure kept the key pending, this would be 409 "in flight"; id 1 was rolled back and is taken again.
  assert.deepEqual(first, { status: 201, body: { id: '1' }, replayed: false });
  const again = await performOnce(deps, command, {}, answer('h1'));
  assert.deepEqual(again, { status: 201, body: { id: '1' }, replayed: true });
  assert.equal(runs(), 2, 'the repeat did not run the command');
  assert.equal(handed.length, 1, 'and published nothing');
  await assert.rejects(performOnce(deps, command, {}, answer('h2')), { code: 'idempotency_mismatch' });
});

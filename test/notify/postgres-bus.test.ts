// The PostgreSQL bus (src/notify/bus/postgres.ts) on a real database, fed the way the server feeds it: a
// command runs through the unit of work, which NOTIFYs inside the transaction and hands the outbox over after
// COMMIT. What commits reaches every instance's hub, the writer's included; what rolls back never does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { postgresBus } from '../../src/notify/bus/postgres.ts';
import { perform, type Command } from '../../src/commands/unit-of-work.ts';
import type { Bus } from '../../src/notify/bus/bus.ts';
import type { Outbox } from '../../src/notify/outbox.ts';
import type { NotificationRow, Store, UserWithPassword } from '../../src/store/store.ts';
import { newId } from '../../src/domain/ids.ts';
import { createTestDatabase, postgresRequired, postgresUnavailable, type TestDatabase } from '../support/postgres.ts';

const pgDown = await postgresUnavailable();
if (pgDown && postgresRequired) {
  test('PostgreSQL is reachable (required under CI=true)', () => assert.fail(pgDown));
}

let seq = 0;
const iso = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms).toISOString();
function aUser(): UserWithPassword {
  const n = ++seq;
  return { id: newId(), name: `User ${n}`, email: `bus${n}.${process.pid}@example.test`, passwordHash: 'hash', createdAt: iso(n) };
}

/** A stand-in for the hub that records what it is handed. */
function recordingHub() {
  const heard: Outbox[] = [];
  let resyncs = 0;
  const waiters: (() => void)[] = [];
  const hub = {
    publish(o: Outbox) {
      heard.push(o);
      waiters.splice(0).forEach((w) => w());
    },
    resyncAll() {
      resyncs++;
      waiters.splice(0).forEach((w) => w());
    },
  };
  async function until(ok: () => boolean, what: string, ms = 5000) {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(50)]);
    }
  }
  return { hub, heard, resyncs: () => resyncs, until, rows: () => heard.flatMap((o) => o.notifications) };
}

/** Stores one notification and puts it in the outbox, as the bill commands do; `fail` throws after it. */
const notifyOne: Command<{ userId: string; at: string; data: string; fail?: boolean }, NotificationRow> = async ({ tx, outbox }, input) => {
  const row = await tx.appendNotification(input.userId, 'bill.created', input.at, input.data);
  outbox.notifications.push(row);
  if (input.fail) throw new Error('rollback');
  return row;
};

const depsOf = (store: Store, bus: Bus) => ({ store, bus, now: () => new Date(), sessionTtlMs: 60_000, unpayWindowMs: 300_000 });

describe('the PostgreSQL bus', { skip: pgDown ? `skipped: ${pgDown}` : false }, () => {
  let db: TestDatabase;
  const stores: Store[] = [];
  const open = async () => {
    stores.push(await openPostgresStore(db.url));
    return stores.at(-1)!;
  };
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const s of stores) await s.close();
    await db?.drop();
  });

  test('committed rows reach every instance, rolled-back ones never; oversized rows are read back', async () => {
    const writer = await open();
    const listener = await open();
    const a = recordingHub();
    const b = recordingHub();
    const busA = postgresBus({ url: db.url, store: writer.read, hub: a.hub });
    const busB = postgresBus({ url: db.url, store: listener.read, hub: b.hub });
    try {
      await a.until(() => a.resyncs() > 0, 'A listening');
      await b.until(() => b.resyncs() > 0, 'B listening');
      const u = aUser();
      await writer.read.insertUser(u);
      const deps = depsOf(writer, busA);

      await assert.rejects(perform(deps, notifyOne, { userId: u.id, at: iso(1), data: '{"rolled":"back"}', fail: true }), /rollback/);
      const small = await perform(deps, notifyOne, { userId: u.id, at: iso(2), data: '{"small":true}' });
      const bigData = JSON.stringify({ text: 'x'.repeat(9000) });
      const big = await perform(deps, notifyOne, { userId: u.id, at: iso(3), data: bigData });
      assert.deepEqual([small.id, big.id], [1, 2]);

      for (const side of [a, b]) {
        await side.until(() => side.rows().length >= 2, 'both rows');
        assert.deepEqual(side.rows(), [small, big], 'exactly the committed rows, in order; the big one read back from the store');
      }

      // group.updated is sent after commit; the writer hears it through LISTEN like everyone else.
      const memberIds = Array.from({ length: 800 }, () => newId()); // more than one payload's worth
      busA.afterCommit({ notifications: [small], groupUpdates: [{ groupId: 'g1', memberIds }] });
      for (const side of [a, b]) {
        await side.until(() => side.heard.flatMap((o) => o.groupUpdates).flatMap((g) => g.memberIds).length >= 800, 'group update');
        const updates = side.heard.flatMap((o) => o.groupUpdates);
        assert.ok(updates.length > 1, 'split over several payloads');
        assert.deepEqual(
          updates.flatMap((g) => g.memberIds),
          memberIds,
        );
        assert.ok(updates.every((g) => g.groupId === 'g1'));
      }
      await sleep(100);
      assert.equal(a.rows().length, 2, 'afterCommit does not deliver notification rows a second time');
    } finally {
      await busA.close();
      await busB.close();
    }
  });

  test('a dropped LISTEN connection re-connects and asks the hub to resync', async () => {
    const writer = await open();
    const listener = await open();
    const rec = recordingHub();
    const bus = postgresBus({ url: db.url, store: listener.read, hub: rec.hub });
    const writerBus = postgresBus({ url: db.url, store: writer.read, hub: recordingHub().hub });
    const admin = new pg.Client({ connectionString: db.url });
    try {
      await rec.until(() => rec.resyncs() === 1, 'listening');
      await admin.connect();
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN chipin' AND pid <> pg_backend_pid()`,
      );
      assert.ok(killed.rowCount! >= 1);
      await rec.until(() => rec.resyncs() >= 2, 'resync after re-connect');

      const u = aUser();
      await writer.read.insertUser(u);
      const row = await perform(depsOf(writer, writerBus), notifyOne, { userId: u.id, at: iso(1), data: '{}' });
      await rec.until(() => rec.rows().some((r) => r.userId === u.id), 'a row heard on the new connection');
      assert.deepEqual(
        rec.rows().filter((r) => r.userId === u.id),
        [row],
      );
    } finally {
      await admin.end().catch(() => undefined);
      await bus.close();
      await writerBus.close();
    }
  });
});

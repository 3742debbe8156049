// Pending Idempotency-Keys are held by lease (src/commands/idempotency.ts), on both stores: a key whose holder
// died (claimed, never renewed) is taken over by a retry once the lease has ended — well before the former
// fixed 60 s — and a live holder, renewing while its command runs for several leases, is never taken over:
// every duplicate meanwhile is 409 idempotency_in_flight, and the command runs once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { performOnce, type TwoPhase } from '../../src/commands/unit-of-work.ts';
import { claimKey } from '../../src/commands/idempotency.ts';
import type { Bus } from '../../src/notify/bus/bus.ts';
import type { Store } from '../../src/store/store.ts';
import { createTestDatabase, postgresRequired, postgresUnavailable } from '../support/postgres.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const LEASE_MS = 400;
const bus: Bus = { afterCommit: () => undefined, close: async () => undefined };

const pgDown = await postgresUnavailable();
if (pgDown && postgresRequired) test('PostgreSQL is reachable (required under CI=true)', () => assert.fail(pgDown));

type Opened = { store: Store; cleanup: () => Promise<void> };
const dialects: { name: string; skip: string | false; open: () => Promise<Opened> }[] = [
  {
    name: 'sqlite',
    skip: false,
    async open() {
      const dir = makeTempDir('chipin-lease-');
      const store = openSqliteStore(join(dir.path, 'chipin.db'), { synchronous: 'normal' });
      return {
        store,
        cleanup: async () => {
          await store.close();
          dir.remove();
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: pgDown ? `skipped: ${pgDown}` : false,
    async open() {
      const db = await createTestDatabase();
      const store = await openPostgresStore(db.url);
      return {
        store,
        cleanup: async () => {
          await store.close();
          await db.drop();
        },
      };
    },
  },
];

for (const dialect of dialects) {
  describe(`Idempotency-Key lease on ${dialect.name}`, { skip: dialect.skip }, () => {
    async function setUp(t: { after: (fn: () => Promise<void>) => void }) {
      const { store, cleanup } = await dialect.open();
      t.after(cleanup);
      await store.read.insertUser({
        id: 'ann',
        name: 'Ann',
        email: 'ann@example.test',
        passwordHash: 'h',
        createdAt: new Date().toISOString(),
      });
      const deps = { store, bus, now: () => new Date(), sessionTtlMs: 60_000, idempotencyLeaseMs: LEASE_MS, unpayWindowMs: 300_000 };
      let runs = 0;
      let gate: Promise<void> = Promise.resolve();
      // The slow part runs in `prepare`, outside the transaction (as a password hash does), so SQLite's single
      // writer stays free for the renewals and the duplicates' claims.
      const command: TwoPhase<object, number, number> = {
        prepare: async () => {
          const run = ++runs;
          await gate;
          return run;
        },
        run: async ({ tx, now }, run) => {
          await tx.appendNotification('ann', 'group.member_added', now().toISOString(), '{}');
          return run;
        },
      };
      const keyed = { userId: 'ann', key: 'k-1', requestHash: () => 'h1' };
      const once = () => performOnce(deps, command, {}, { keyed, status: 201, respond: (run: number) => ({ run }) });
      return { store, once, runs: () => runs, hold: (p: Promise<void>) => (gate = p), keyed };
    }

    test('a key whose holder died is taken over once its lease has ended', async (t) => {
      const { store, once, runs, keyed } = await setUp(t);
      // The holder claims and dies: nothing renews its lease and nothing releases the key.
      const started = Date.now();
      assert.equal('holder' in (await claimKey(store.read, keyed, 'h1', new Date(), LEASE_MS)), true);
      await assert.rejects(once(), { code: 'idempotency_in_flight' }, 'inside the lease the key is still held');
      let answer: Awaited<ReturnType<typeof once>> | undefined;
      for (let i = 0; i < 100 && !answer; i++) {
        await sleep(50);
        answer = await once().catch((e: { code?: string }) => {
          assert.equal(e.code, 'idempotency_in_flight');
          return undefined;
        });
      }
      const waited = Date.now() - started;
      assert.deepEqual(answer, { status: 201, body: { run: 1 }, replayed: false });
      assert.ok(waited >= LEASE_MS, `taken over after ${waited} ms, not before the lease`);
      assert.ok(waited < 10_000, `taken over after ${waited} ms, well before 60 s`);
      assert.equal(runs(), 1);
      assert.deepEqual(await once(), { status: 201, body: { run: 1 }, replayed: true });
    });

    test('a live holder renews its lease and is never taken over; duplicates meanwhile are 409', async (t) => {
      const { once, runs, hold } = await setUp(t);
      let open!: () => void;
      hold(new Promise<void>((resolve) => (open = resolve)));
      const first = once();
      const until = Date.now() + 4 * LEASE_MS;
      let duplicates = 0;
      while (Date.now() < until) {
        await sleep(LEASE_MS / 4);
        await assert.rejects(once(), { code: 'idempotency_in_flight' }, `a duplicate ${Date.now() - (until - 4 * LEASE_MS)} ms in`);
        duplicates++;
      }
      assert.ok(duplicates >= 8, `${duplicates} duplicates tried`);
      open();
      assert.deepEqual(await first, { status: 201, body: { run: 1 }, replayed: false });
      assert.equal(runs(), 1, 'the command ran once');
      assert.deepEqual(await once(), { status: 201, body: { run: 1 }, replayed: true });
    });
  });
}

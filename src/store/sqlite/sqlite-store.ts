// The embedded store on node:sqlite. node:sqlite is synchronous and Chipin holds one connection, so every
// transaction and every read goes through one queue: an `await` inside a transaction can never let another
// request's statements run on the same connection in the middle of it (they would see uncommitted rows).
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { queries, type Db } from '../queries.ts';
import { moneyQueries } from '../money-ops.ts';
import { loadMigrations } from '../migrate.ts';
import { startCheckpointer, type Checkpointer } from './checkpointer.ts';
import { ReadCache } from './read-cache.ts';
import { NotificationIds } from './notification-ids.ts';
import { takeOwnership } from './owner-lock.ts';
import type { Ops, Store } from '../store.ts';

export type SqliteOptions = {
  /** 'normal' survives a process crash (WAL); 'full' also survives power loss, at one fsync per commit. */
  synchronous: 'normal' | 'full';
  /** Called with how long the writer was held for a checkpoint that bounds the WAL (see ./checkpointer.ts). */
  onCheckpointHold?: (ms: number) => void;
  /** The checkpointer's period and WAL bound (./checkpointer.ts has the defaults). */
  checkpoint?: { everyMs?: number; limitFrames?: number };
  /** How long to wait for another process to let go of the file (./owner-lock.ts has the default). */
  ownerWaitMs?: number;
};

type SqlValue = null | number | bigint | string;

/** Ops that only read: outside a transaction they need no BEGIN/COMMIT. */
const READ_ONLY = new Set<string>([
  'findUserByEmail',
  'getUser',
  'sessionUser',
  'findSession',
  'isMember',
  'getGroup',
  'listMembers',
  'listGroupsOf',
  'groupVersion',
  'getBill',
  'listBills',
  'listDebts',
  'debtTotal',
  'listNotifications',
  'notificationsAfter',
  'notificationState',
  'getIdempotency',
  'existingSessions',
  'notificationCounters',
  'findPasswordHash',
  'listRevisions',
  'getPayment',
  'listPayments',
  'pendingPayments',
  'owedParts',
  'lastReminders',
  'notificationsByIds',
  'seenUpTo',
  'listPushSubscriptions',
  'getPushSubscription',
  'preferencesOf',
  'deliveryQueue',
  'getSecret',
  'lockGroup',
  'lockGroupForBill',
  'unpaidParts',
  'billsSharedBy',
  'listActivity',
  'findInviteByHash',
  'getInvite',
  'listOpenInvites',
] satisfies (keyof Ops)[]);

/**
 * One process owns the file (./owner-lock.ts), so there is no other connection to tell. Refused rather than
 * dropped, so a payload meant for someone is never lost without a word.
 */
const refuseNotify: Ops['notify'] = async () => {
  throw new Error('SQLite has no NOTIFY: one process owns the database, so there is no one to notify');
};

export function openSqliteStore(path: string, options: SqliteOptions): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const disown = path === ':memory:' ? () => undefined : takeOwnership(path, options.ownerWaitMs);
  let conn: DatabaseSync;
  try {
    conn = new DatabaseSync(path);
    conn.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous.toUpperCase()}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;`,
    );
    migrate(conn);
  } catch (error) {
    disown();
    throw error;
  }
  let closed = false;
  // Checkpoints run in a worker (./checkpointer.ts); if it fails, SQLite's own auto-checkpoint comes back.
  let checkpointer: Checkpointer | undefined;
  if (path !== ':memory:') {
    conn.exec('PRAGMA wal_autocheckpoint = 0');
    // When the log starts over, the file is cut back to this size (it would otherwise keep its peak size).
    conn.exec('PRAGMA journal_size_limit = 67108864');
    checkpointer = startCheckpointer(
      path,
      () => {
        if (!closed) conn.exec('PRAGMA wal_autocheckpoint = 1000');
      },
      { ...options.checkpoint, holdWriter, onHeld: options.onCheckpointHold },
    );
  }
  // One process owns this file, so a key still pending at start-up belongs to a request that died with the
  // previous process (a crash mid-request): free it, or a client's retry would get 409 "in flight" until
  // the key went stale a minute later.
  conn.exec(`DELETE FROM idempotency_keys WHERE state = 'pending'`);
  // Likewise a delivery leased by the previous process was cut mid-send (src/notify/deliveries/worker.ts):
  // it is due again now rather than when its lease would have run out.
  conn.exec(`UPDATE deliveries SET lease_until = NULL WHERE lease_until IS NOT NULL`);

  const statements = new Map<string, StatementSync>();
  const prepare = (sql: string) => {
    let st = statements.get(sql);
    if (!st) {
      st = conn.prepare(sql);
      statements.set(sql, st);
    }
    return st;
  };
  // The statements every batch runs, prepared once (exec would parse them each time).
  const savepoint = conn.prepare('SAVEPOINT job');
  const release = conn.prepare('RELEASE job');
  const rollbackTo = conn.prepare('ROLLBACK TO job');
  const db: Db = {
    all: async (sql, params) => prepare(sql).all(...(params as SqlValue[])) as Record<string, unknown>[],
    get: async (sql, params) => prepare(sql).get(...(params as SqlValue[])) as Record<string, unknown> | undefined,
    run: async (sql, params) => Number(prepare(sql).run(...(params as SqlValue[])).changes),
  };
  const cache = new ReadCache();
  const lastNotification = conn.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM notifications WHERE user_id = ?');
  const notificationIds = new NotificationIds((userId) => Number((lastNotification.get(userId) as { id: number }).id));
  const ops = cache.wrap({
    ...queries(db, { kind: 'store', next: (userId) => notificationIds.next(userId), forget: (userId) => notificationIds.forget(userId) }),
    ...moneyQueries(db, 'sqlite'),
    notify: refuseNotify,
  });

  // Group commit: jobs that queue up while a batch runs are executed together in one SQLite transaction,
  // each inside its own SAVEPOINT, so a failing job rolls back alone while the batch pays for one COMMIT
  // (the WAL append; checkpoints run in ./checkpointer.ts). Every job, reads included, settles only after the
  // COMMIT, so nothing uncommitted is ever answered or handed on.
  type Job = { work: () => Promise<unknown>; write: boolean; resolve: (v: unknown) => void; reject: (e: unknown) => void };
  type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
  const MAX_BATCH = 128;
  let queue: Job[] = [];
  let draining = false;
  let lastBatch = 0;
  /** The batch running now, if any. */
  let running: Promise<unknown> | undefined;
  /** Set while the checkpointer copies the whole WAL back: no batch starts until it resolves. */
  let hold: Promise<void> | undefined;

  function holdWriter(): Promise<() => void> {
    let release!: () => void;
    hold = new Promise<void>((resolve) => {
      release = () => {
        hold = undefined;
        resolve();
      };
    });
    return (running ?? Promise.resolve()).then(
      () => release,
      () => release,
    );
  }

  function submit<T>(work: () => Promise<T>, write: boolean): Promise<T> {
    if (closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, write, resolve: resolve as (v: unknown) => void, reject });
      // Start on the next turn, after the poll phase: every request that arrived in this turn queues its
      // job first, so they share one batch (started at once, the first job would always commit alone).
      if (!draining) {
        draining = true;
        // Under load (the last batch had company) wait one turn more: the requests whose responses the
        // last batch just sent come back in it, and one COMMIT serves both halves of the clients.
        if (lastBatch >= 4) setImmediate(() => setImmediate(drain));
        else setImmediate(drain);
      }
    });
  }

  async function drain() {
    while (queue.length > 0) {
      if (hold) await hold;
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      lastBatch = batch.length;
      running = runBatch(batch);
      const outcomes = (await running) as Outcome[];
      running = undefined;
      batch.forEach((job, i) => {
        const o = outcomes[i];
        if (o.ok) job.resolve(o.value);
        else job.reject(o.error);
      });
    }
    draining = false;
  }

  async function runBatch(batch: Job[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const writes = batch.some((j) => j.write);
    if (!writes) {
      for (const job of batch) outcomes.push(await attempt(job.work));
      cache.commit();
      return outcomes;
    }
    conn.exec('BEGIN IMMEDIATE');
    for (const job of batch) {
      if (!job.write) {
        outcomes.push(await attempt(job.work));
        continue;
      }
      savepoint.run();
      const mark = cache.mark();
      const idMark = notificationIds.mark();
      const o = await attempt(job.work);
      if (o.ok) {
        release.run();
      } else if (conn.isTransaction) {
        cache.discardSince(mark);
        notificationIds.forgetSince(idMark);
        rollbackTo.run();
        release.run();
      } else {
        cache.abort();
        notificationIds.forgetSince(0);
        // SQLite rolled the whole transaction back by itself (e.g. disk full): every earlier job of this
        // batch lost its changes too, so none of them may report success. Start over for the rest.
        outcomes.forEach((prev, i) => {
          if (prev.ok && batch[i].write) outcomes[i] = { ok: false, error: o.error };
        });
        conn.exec('BEGIN IMMEDIATE');
      }
      outcomes.push(o);
    }
    try {
      conn.exec('COMMIT');
    } catch (error) {
      cache.abort();
      notificationIds.forgetSince(0);
      if (conn.isTransaction) conn.exec('ROLLBACK');
      return batch.map(() => ({ ok: false, error }));
    }
    cache.commit();
    notificationIds.settle();
    return outcomes;
  }

  async function attempt(work: () => Promise<unknown>): Promise<Outcome> {
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      return { ok: false, error };
    }
  }

  const queued = Object.fromEntries(
    Object.entries(ops).map(([name, fn]) => [
      name,
      // Single statements that write (a session row, an idempotency key) take the write path.
      (...args: unknown[]) => submit(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args), !READ_ONLY.has(name)),
    ]),
  ) as unknown as Ops;
  const read = cache.readThrough(queued);

  return {
    dialect: 'sqlite',
    read,
    transaction<T>(fn: (tx: Ops) => Promise<T>): Promise<T> {
      return submit(() => fn(ops), true);
    },
    async ping() {
      await submit(async () => prepare('SELECT 1').get(), false);
    },
    async close() {
      if (closed) return;
      const last = submit(async () => undefined, false);
      closed = true;
      await last;
      await checkpointer?.stop();
      conn.exec('PRAGMA optimize');
      conn.close();
      disown();
    },
  };
}

function migrate(conn: DatabaseSync) {
  conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const applied = new Set((conn.prepare('SELECT version FROM schema_migrations').all() as { version: string }[]).map((r) => r.version));
  const pending = loadMigrations('sqlite').filter((m) => !applied.has(m.version));
  if (pending.length === 0) return;
  // A migration may rebuild a table other tables refer to: SQLite's procedure turns foreign keys off
  // (outside the transaction, where the pragma takes effect), rebuilds, then checks every reference
  // before committing (https://www.sqlite.org/lang_altertable.html#otheralter).
  conn.exec('PRAGMA foreign_keys = OFF');
  try {
    for (const m of pending) {
      conn.exec('BEGIN IMMEDIATE');
      try {
        conn.exec(m.sql);
        const broken = conn.prepare('PRAGMA foreign_key_check').all();
        if (broken.length > 0)
          throw new Error(`migration ${m.version} leaves ${broken.length} broken references, e.g. ${JSON.stringify(broken[0])}`);
        conn.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, new Date().toISOString());
        conn.exec('COMMIT');
      } catch (e) {
        conn.exec('ROLLBACK');
        throw e;
      }
    }
  } finally {
    conn.exec('PRAGMA foreign_keys = ON');
  }
}

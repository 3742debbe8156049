// Crash safety (issue 7): a burst of concurrent bill creations and payments from several clients, the
// server killed with SIGKILL in the middle of it, started again on the same SQLite file. Then: every
// request that was answered 2xx is stored exactly once; no bill is half-written; debts match the unpaid
// parts; per-user notification ids have no gap; every receiver that resumes from the last id it got
// receives each notification it had not, exactly once; and a client that retries an unanswered request
// with its Idempotency-Key gets it done exactly once. Run under both SQLITE_SYNCHRONOUS settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { call, register, type TestUser } from '../support/api.ts';
import { startChildServer, type ChildServer } from '../support/child-server.ts';
import { openSse, type StreamClient } from '../support/streams.ts';
import { tempDir } from '../support/temp-dir.ts';
import { openReader, type DbReader } from './store-dump.ts';

const CLIENTS = 6;
const OPS_PER_CLIENT = 60;
const CONCURRENCY_PER_CLIENT = 4;
/** The kill comes once this share of the burst has been answered. */
const KILL_AFTER = 0.4;
const REQUEST_TIMEOUT_MS = 10_000;

type Op = {
  client: number;
  kind: 'create' | 'pay';
  key: string;
  path: string;
  body?: unknown;
  /** The status, or undefined when no answer came (the connection died with the server). */
  status?: number;
  response?: any;
};

type NotificationRow = { user_id: string; id: number; type: string; created_at: string; data: string };

function seeded(seed: number) {
  // A small deterministic generator (mulberry32), so a failing run can be replayed with its seed.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function send(base: string, op: Op, user: TestUser): Promise<void> {
  try {
    const res = await fetch(base + op.path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${user.token}`,
        'idempotency-key': op.key,
        ...(op.body ? { 'content-type': 'application/json' } : {}),
      },
      body: op.body ? JSON.stringify(op.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    op.status = res.status;
    op.response = text ? JSON.parse(text) : undefined;
  } catch {
    op.status = undefined; // the server died before answering
  }
}

for (const synchronous of ['normal', 'full'] as const) {
  test(`SIGKILL mid-burst (SQLITE_SYNCHRONOUS=${synchronous}): nothing acknowledged is lost, nothing is half-written, resume is exact`, {
    timeout: 120_000,
  }, async (t) => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
    const random = seeded(seed);
    t.diagnostic(`seed ${seed} (CRASH_SEED=${seed} replays the choices)`);
    const streams: StreamClient[] = [];
    let reader: DbReader | undefined;
    let server: ChildServer | undefined;
    // Added before the folder's own hook, so the server and the reader let go of the file before it goes.
    t.after(async () => {
      streams.forEach((s) => s.close());
      reader?.close();
      await server?.close();
    });
    const dir = tempDir(t, 'chipin-crash-');
    server = await startChildServer({ DATABASE_URL: `sqlite:${join(dir, 'chipin.db')}`, SQLITE_SYNCHRONOUS: synchronous });

    // One group of six; everyone both splits bills and owes parts.
    const users: TestUser[] = [];
    for (let i = 0; i < CLIENTS; i++) users.push(await register(server.url, `Client${i}`));
    const group = await call(server.url, 'POST', '/api/groups', { token: users[0].token, body: { name: 'Crash' } });
    const groupId = group.body.group.id as string;
    for (const u of users.slice(1))
      assert.equal(
        (await call(server.url, 'POST', `/api/groups/${groupId}/members`, { token: users[0].token, body: { email: u.email } })).status,
        201,
      );

    // Every receiver listens from the beginning, through the whole burst.
    for (const u of users) streams.push(openSse(server.url, u.token, { lastEventId: '0' }));
    await Promise.all(streams.map((s) => s.opened));

    // The burst: each client creates bills with random others and pays parts it owes, several at a time.
    const ops: Op[] = [];
    const owed: { billId: string; payer: number }[] = [];
    const planned = CLIENTS * OPS_PER_CLIENT;
    let answered = 0;
    let killed = false;
    let killAt: Promise<unknown> | undefined;
    const base = server.url;
    const makeOp = (client: number, n: number): Op => {
      const mine = owed.findIndex((o) => o.payer === client);
      if (mine >= 0 && random() < 0.4) {
        const [{ billId }] = owed.splice(mine, 1);
        return { client, kind: 'pay', key: `pay-${client}-${n}`, path: `/api/bills/${billId}/pay` };
      }
      const others = users.map((_, i) => i).filter((i) => i !== client && random() < 0.4);
      if (others.length === 0) others.push((client + 1) % CLIENTS);
      return {
        client,
        kind: 'create',
        key: `create-${client}-${n}`,
        path: `/api/groups/${groupId}/bills`,
        body: {
          description: `op create-${client}-${n}`,
          amount: 100 + Math.floor(random() * 10_000),
          split: { mode: 'equal', among: [users[client].id, ...others.map((i) => users[i].id)] },
        },
      };
    };
    async function client(c: number) {
      let n = 0;
      const lane = async () => {
        while (!killed && n < OPS_PER_CLIENT) {
          const op = makeOp(c, n++);
          ops.push(op);
          await send(base, op, users[c]);
          if (op.kind === 'create' && op.status === 201) {
            for (const s of op.response.bill.shares)
              if (s.paidAt === null) owed.push({ billId: op.response.bill.id, payer: users.findIndex((u) => u.id === s.userId) });
          }
          if (op.status !== undefined && ++answered >= planned * KILL_AFTER && !killed) {
            killed = true;
            killAt = server!.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY_PER_CLIENT }, lane));
    }
    await Promise.all(users.map((_, c) => client(c)));
    assert.ok(killed, 'the burst ended before the kill');
    assert.equal(await killAt, 'SIGKILL');
    // Streams stop here: what each user got before the crash is what a client would have kept.
    streams.forEach((s) => s.close());
    const before = streams.map((s) => s.notifications().map((r) => r.data));
    const unanswered = ops.filter((o) => o.status === undefined);
    t.diagnostic(
      `${ops.length} requests sent, ${ops.filter((o) => o.status !== undefined && o.status < 300).length} answered 2xx, ${unanswered.length} without an answer at the kill`,
    );
    for (const op of ops)
      if (op.status !== undefined)
        assert.ok(op.status === 201 || op.status === 200, `${op.kind} ${op.key}: ${op.status} ${JSON.stringify(op.response)}`);

    // Back up on the same file and port.
    await server.start();
    reader = openReader(join(dir, 'chipin.db'));
    const db = reader;

    // 1. Every acknowledged request is stored, exactly once.
    for (const op of ops.filter((o) => o.status !== undefined)) {
      if (op.kind === 'create') {
        const rows = db.all<{ id: string }>(`SELECT id FROM bills WHERE description = ?`, (op.body as { description: string }).description);
        assert.deepEqual(
          rows.map((r) => r.id),
          [op.response.bill.id],
          `${op.key}: acknowledged, stored ${rows.length} times`,
        );
        const shares = db.all<{ user_id: string; amount: number; paid_at: string | null }>(
          `SELECT user_id, amount, paid_at FROM bill_shares WHERE bill_id = ? ORDER BY position`,
          op.response.bill.id,
        );
        assert.deepEqual(
          shares.map((s) => ({ userId: s.user_id, amount: s.amount })),
          op.response.bill.shares.map((s: { userId: string; amount: number }) => ({ userId: s.userId, amount: s.amount })),
        );
      } else {
        const payer = users[op.client].id;
        const [share] = db.all<{ paid_at: string | null }>(
          `SELECT paid_at FROM bill_shares WHERE bill_id = ? AND user_id = ?`,
          op.response.bill.id,
          payer,
        );
        const mine = op.response.bill.shares.find((s: { userId: string }) => s.userId === payer);
        assert.equal(share.paid_at, mine.paidAt, `${op.key}: acknowledged payment not stored`);
      }
    }
    // Unanswered creations: committed or not, never twice.
    for (const op of unanswered.filter((o) => o.kind === 'create')) {
      const [{ n }] = db.all<{ n: number }>(
        `SELECT count(*) AS n FROM bills WHERE description = ?`,
        (op.body as { description: string }).description,
      );
      assert.ok(n <= 1, `${op.key} stored ${n} times`);
    }

    // 2. Nothing half-written: shares, debts and notification rows agree with the bills.
    assertConsistent(db);

    // 3. Every receiver resumes from the last id it got and receives exactly what it missed.
    const resumed: StreamClient[] = [];
    t.after(() => resumed.forEach((s) => s.close()));
    for (const [i, u] of users.entries()) {
      const got = before[i];
      const stored = db.all<NotificationRow>(`SELECT * FROM notifications WHERE user_id = ? ORDER BY id`, u.id);
      // What arrived before the crash was committed first (publish follows commit), and arrived in order.
      assert.deepEqual(
        got.map((n) => Number(n.id)),
        stored.slice(0, got.length).map((r) => r.id),
        `${u.name}: the pre-crash stream is not a prefix of the store`,
      );
      for (const n of got) assert.deepEqual(n.data, JSON.parse(stored[Number(n.id) - 1].data));
      const last = got.length === 0 ? '0' : got[got.length - 1].id;
      const missed = stored.slice(got.length);
      const s = openSse(server.url, u.token, { lastEventId: last });
      resumed.push(s);
      await s.opened;
      await s.waitFor(missed.length, undefined, 10_000);
      await new Promise((r) => setTimeout(r, 100)); // a duplicate would arrive right behind
      assert.deepEqual(
        s.notifications().map((r) => Number(r.id)),
        missed.map((r) => r.id),
        `${u.name}: resume from ${last}`,
      );
      for (const r of s.notifications()) assert.deepEqual(r.data.data, JSON.parse(missed.find((m) => m.id === Number(r.id))!.data));
    }

    // 4. A client that retries an unanswered request with the same key gets it done, exactly once.
    for (const op of unanswered) {
      await send(server.url, op, users[op.client]);
      assert.ok(
        op.status === 201 || op.status === 200,
        `retry of ${op.key} after the restart: ${op.status} ${JSON.stringify(op.response)}`,
      );
      if (op.kind === 'create') {
        const rows = db.all<{ id: string }>(`SELECT id FROM bills WHERE description = ?`, (op.body as { description: string }).description);
        assert.deepEqual(
          rows.map((r) => r.id),
          [op.response.bill.id],
          `${op.key}: retried, stored ${rows.length} times`,
        );
      }
    }
    assertConsistent(db);
    assert.equal(server.output().match(/"level":(50|60)/g), null, `the server logged errors: ${server.output().slice(-2000)}`);
  });
}

/** Bills, shares, debts and notifications agree: each bill whole, each receiver told once, each payment once. */
function assertConsistent(db: DbReader) {
  const orphans = db.all(`SELECT s.bill_id FROM bill_shares s LEFT JOIN bills b ON b.id = s.bill_id WHERE b.id IS NULL`);
  assert.deepEqual(orphans, [], 'shares without a bill');
  const bills = db.all<{ id: string; group_id: string; owner_id: string; amount: number; deleted_at: string | null }>(
    `SELECT id, group_id, owner_id, amount, deleted_at FROM bills`,
  );
  const shares = db.all<{ bill_id: string; user_id: string; amount: number; paid_at: string | null }>(
    `SELECT bill_id, user_id, amount, paid_at FROM bill_shares`,
  );
  const notes = db.all<NotificationRow>(`SELECT user_id, id, type, created_at, data FROM notifications ORDER BY user_id, id`);
  const byBill = new Map<string, typeof shares>();
  for (const s of shares) byBill.set(s.bill_id, [...(byBill.get(s.bill_id) ?? []), s]);
  const told = new Map<string, number>(); // type|user|bill|actor → count
  for (const n of notes) {
    const data = JSON.parse(n.data) as { bill?: { id: string }; actor: { id: string } };
    if (!data.bill) continue;
    const key = `${n.type}|${n.user_id}|${data.bill.id}|${data.actor.id}`;
    told.set(key, (told.get(key) ?? 0) + 1);
  }
  const expected = new Map<string, number>();
  const debts = new Map<string, number>();
  for (const b of bills) {
    const parts = byBill.get(b.id) ?? [];
    assert.ok(parts.length >= 2, `bill ${b.id} has ${parts.length} shares`);
    assert.equal(
      parts.reduce((s, p) => s + p.amount, 0),
      b.amount,
      `bill ${b.id}: shares do not add up`,
    );
    for (const p of parts) {
      if (p.user_id === b.owner_id) {
        assert.notEqual(p.paid_at, null, `bill ${b.id}: the owner's own part is unpaid`);
        continue;
      }
      expected.set(`bill.created|${p.user_id}|${b.id}|${b.owner_id}`, 1);
      if (p.paid_at !== null) expected.set(`bill.paid|${b.owner_id}|${b.id}|${p.user_id}`, 1);
      else if (b.deleted_at === null)
        debts.set(`${b.group_id}|${p.user_id}|${b.owner_id}`, (debts.get(`${b.group_id}|${p.user_id}|${b.owner_id}`) ?? 0) + p.amount);
    }
  }
  assert.deepEqual(
    Object.fromEntries([...told].sort()),
    Object.fromEntries([...expected].sort()),
    'notification rows do not match the bills and payments exactly once',
  );
  const stored = db.all<{ group_id: string; debtor_id: string; creditor_id: string; amount: number }>(
    `SELECT * FROM group_debts WHERE amount <> 0`,
  );
  assert.deepEqual(
    Object.fromEntries(stored.map((d) => [`${d.group_id}|${d.debtor_id}|${d.creditor_id}`, d.amount]).sort()),
    Object.fromEntries([...debts].sort()),
    'debts do not match the unpaid parts',
  );
  // Per-user ids: 1..n without a gap (SQLite takes the next id from the highest stored one).
  const users = db.all<{ id: string }>(`SELECT id FROM users`);
  for (const u of users) {
    const ids = notes.filter((n) => n.user_id === u.id).map((n) => n.id);
    assert.deepEqual(
      ids,
      Array.from({ length: ids.length }, (_, i) => i + 1),
      `user ${u.id}: notification ids`,
    );
  }
  // A finished idempotent request points at a bill that exists.
  for (const k of db.all<{ key: string; state: string; body: string | null }>(
    `SELECT key, state, body FROM idempotency_keys WHERE state = 'done'`,
  )) {
    const id = (JSON.parse(k.body!) as { bill: { id: string } }).bill.id;
    assert.equal(db.all(`SELECT 1 FROM bills WHERE id = ?`, id).length, 1, `idempotency key ${k.key} recorded a bill that is not stored`);
  }
}

// PostgreSQL backends terminated under load (issue 19, item 2): what a PostgreSQL restart, a failover or an
// idle-session timeout does to every connection. Two instances run as separate processes on one throw-away
// database, so a crash shows as an exit; while requests are in flight an admin connection terminates every
// backend of the database, TERMINATIONS times. Every instance stays up; a request caught by a termination is
// answered 503 with Retry-After or succeeds, never anything else; afterwards requests succeed again. Then
// the database refuses connections for a while (ALLOW_CONNECTIONS false): /healthz and the API are 503
// with Retry-After, and /healthz is 200 again once it accepts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { createTestDatabase, postgresRequired, postgresUnavailable, type TestDatabase } from '../support/postgres.ts';
import { startChildServer, type ChildServer } from '../support/child-server.ts';

const INSTANCES = 2;
const TERMINATIONS = 5;
const WORKERS_PER_INSTANCE = 4;
const REQUEST_TIMEOUT_MS = 15_000;
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const pgDown = await postgresUnavailable();

type Seen = { statuses: Map<number, number>; unexpected: string[] };

/** Runs `until` resolves: each worker loops a write and two reads, recording every answer. */
async function load(base: string, user: TestUser, friend: TestUser, groupId: string, seen: Seen, until: Promise<void>) {
  let stop = false;
  void until.then(() => (stop = true));
  const one = async (method: string, path: string, body?: unknown) => {
    try {
      const res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${user.token}`,
          ...(body ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      seen.statuses.set(res.status, (seen.statuses.get(res.status) ?? 0) + 1);
      const ok = res.status === 200 || res.status === 201;
      if (res.status === 503 && !/^\d+$/.test(res.headers.get('retry-after') ?? ''))
        seen.unexpected.push(`${method} ${path}: 503 without Retry-After`);
      else if (!ok && res.status !== 503) seen.unexpected.push(`${method} ${path}: ${res.status}`);
    } catch (e) {
      seen.unexpected.push(`${method} ${path}: no answer (${(e as Error).message})`);
    }
  };
  const worker = async (w: number) => {
    for (let i = 0; !stop && i < 10_000; i++) {
      await one('POST', `/api/groups/${groupId}/bills`, {
        description: `w${w} #${i}`,
        amount: 1000 + i,
        split: { mode: 'equal', among: [user.id, friend.id] },
      });
      await one('GET', `/api/groups/${groupId}/bills?limit=20`);
      await one('GET', `/api/groups/${groupId}/balances`);
    }
  };
  await Promise.all(Array.from({ length: WORKERS_PER_INSTANCE }, (_, w) => worker(w)));
}

async function admin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const terminateAll = (c: pg.Client, database: string) =>
  c
    .query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      database,
    ])
    .then((r) => r.rows[0].n as number);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('terminated PostgreSQL backends under load: no instance exits, requests get 503 + Retry-After or succeed; /healthz follows the database', {
  skip: pgDown && !postgresRequired ? `skipped: ${pgDown}` : false,
  timeout: 180_000,
}, async (t) => {
  const db: TestDatabase = await createTestDatabase();
  const database = new URL(db.url).pathname.slice(1);
  const env = { DATABASE_URL: db.url };
  const servers: ChildServer[] = [];
  t.after(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await admin((c) => c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`)).catch(() => undefined);
    await db.drop();
  });
  for (let i = 0; i < INSTANCES; i++) servers.push(await startChildServer(env));
  const base = servers[0].url;
  const ola = await register(base, 'Ola');
  const fin = await register(base, 'Fin');
  const groupId = await groupWith(base, ola, [fin]);

  // Terminations while requests are in flight on every instance.
  const seen: Seen = { statuses: new Map(), unexpected: [] };
  const exits: string[] = [];
  let terminated = 0;
  for (let round = 1; round <= TERMINATIONS; round++) {
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const running = Promise.all(servers.map((s) => load(s.url, ola, fin, groupId, seen, until)));
    await sleep(300);
    terminated += await admin((c) => terminateAll(c, database));
    await sleep(500);
    stop();
    await running;
    for (const [i, s] of servers.entries()) {
      if (s.process.exitCode === null && s.process.signalCode === null) continue;
      exits.push(`termination ${round}: instance ${i} exited (${s.process.exitCode ?? s.process.signalCode}): ${s.output().slice(-600)}`);
      servers[i] = await startChildServer(env); // so every termination is measured on every instance
    }
  }
  t.diagnostic(
    `${exits.length} instance exits over ${TERMINATIONS} terminations of ${INSTANCES} instances (${terminated} backends terminated); answers: ${JSON.stringify(Object.fromEntries(seen.statuses))}`,
  );
  assert.deepEqual(exits, [], 'no instance exits when its backends are terminated');
  assert.deepEqual(seen.unexpected, [], 'every request caught by a termination is answered 503 with Retry-After, or succeeds');

  // Afterwards every instance answers again (the pools replace the terminated clients).
  for (const s of servers) {
    assert.equal((await call(s.url, 'GET', '/healthz')).status, 200);
    const bill = await call(s.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: ola.token,
      body: { description: 'after', amount: 500, split: { mode: 'equal', among: [ola.id, fin.id] } },
    });
    assert.equal(bill.status, 201, JSON.stringify(bill.body));
  }

  // The database refuses connections: 503 with Retry-After, /healthz included, until it accepts them again.
  await admin(async (c) => {
    await c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await terminateAll(c, database);
  });
  for (const s of servers) {
    for (const [method, path] of [
      ['GET', '/healthz'],
      ['GET', `/api/groups/${groupId}/bills`],
    ] as const) {
      const res = await call(s.url, method, path, { token: ola.token });
      assert.equal(res.status, 503, `${method} ${path} while the database refuses connections: ${JSON.stringify(res.body)}`);
      assert.match(res.headers.get('retry-after') ?? '', /^\d+$/, `${method} ${path}: Retry-After`);
      assert.equal(res.body.code, 'unavailable');
    }
  }
  await admin((c) => c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`));
  for (const s of servers) {
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await call(s.url, 'GET', '/healthz')).status) !== 200) await sleep(100);
    assert.equal(status, 200, '/healthz is 200 once the database answers again');
    assert.equal((await call(s.url, 'GET', `/api/groups/${groupId}/bills`, { token: ola.token })).status, 200);
  }
  for (const s of servers) assert.equal(s.process.exitCode, null, 'every instance is still running');
});

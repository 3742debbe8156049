// Scale-out on PostgreSQL (issue 5): what one and two Chipin instances on one database sustain, what a
// notification costs to cross from one instance to another over LISTEN/NOTIFY, and the commit rate of
// notifying transactions on this machine. Every run is bounded in count and time; everything runs on
// loopback; the database is a throw-away one, dropped at the end.
//
//   node bench/pg-scale.ts                       # all three parts, both buses, at the defaults: ~10 min
//   node bench/pg-scale.ts --skip pgbench --duration 5 --rates 100
//   node bench/pg-scale.ts --buses nats          # one bus only (listen: LISTEN/NOTIFY; nats: BUS_URL=--nats-url)
//
// Both buses run in turn on the same database (issue 17): throughput rows add the round trips to
// PostgreSQL per bill (counted in bench/chipin-server.ts) and Chipin's CPU per bill; delivery rows add the
// CPU of instance C, which holds no streams and takes no requests.
//
// 1. Throughput: autocannon POST /bills (closed loop, --connections) against one instance, then against two
//    with the connections split between them (no balancer), for two shapes of load: "spread" (each bill
//    between one of 20 owners and a random one of --receivers users, as the realtime benchmark posts them)
//    and "hot" (every bill by one user for the same two receivers, as bench/api.ts posts them).
// 2. Delivery: bills POSTed on instance A at a fixed rate (open loop), each to a random receiver whose SSE
//    stream is on instance B ("cross"), or on A itself ("same"; still through NOTIFY: the writer's instance
//    also hears its own rows through LISTEN). Latency from the request's start to the receipt of the
//    event (bench/load-generator.ts). A third instance C holds no streams and receives no requests: its CPU
//    is what hearing every event costs an instance that has nothing to do with it. Two last runs: one with
//    another listener stalled (LISTEN, then a transaction left open), to measure what the queue then keeps;
//    one with B's process stopped (SIGSTOP) for --freeze seconds mid-run, then continued: nothing may be lost.
// 3. pgbench: the commit rate of BEGIN; SELECT pg_notify('x', 500 bytes); COMMIT with a listener connected,
//    against the same without NOTIFY, read-only and with a one-row write, at 1 and 8 clients.
//
// Each figure carries the machine's 1-minute load average at its start and end, how busy the machine's CPUs
// were (from /proc/stat) and the CPU of the PostgreSQL cluster's processes (anyone's, not only ours).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import autocannon, { type Options as AutocannonOptions, type Result } from 'autocannon';
import { parseConfig } from '../src/config.ts';
import { openStore } from '../src/store/open.ts';
import { callAdmin, type CpuReport } from './admin.ts';
import { FAN_GROUP_ID, OWNERS, ownerId, ownerToken, pairGroupId, receiverId, targetedBill } from './fixtures.ts';
import { BENCH_DIR } from './options.ts';
import { GeneratorClient, describeMachine, schedstat, spawnNode, stopChild, waitForMessage } from './process.ts';
import { startNodeFlags } from '../scripts/start-flags.ts';
import type { ConnectResult, StatusResult, TargetedResult } from './protocol.ts';
import { seedRealtime } from './seed.ts';
import { round, summarize } from './stats.ts';

// ---------------------------------------------------------------------------------------------- options

const { values } = parseArgs({
  options: {
    'admin-url': { type: 'string' },
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    receivers: { type: 'string', default: '1000' },
    rates: { type: 'string', default: '100,200,400' },
    'delivery-duration': { type: 'string', default: '10' },
    'pgbench-duration': { type: 'string', default: '10' },
    freeze: { type: 'string', default: '5' },
    'pgbench-clients': { type: 'string', default: '1,2,8' },
    skip: { type: 'string', default: '' },
    'log-level': { type: 'string', default: 'warn' },
    'results-dir': { type: 'string', default: join(BENCH_DIR, 'results') },
    'max-minutes': { type: 'string', default: '20' },
    buses: { type: 'string', default: 'listen,nats' },
    'nats-url': { type: 'string', default: 'nats://127.0.0.1:4222' },
  },
  strict: true,
});

function num(name: keyof typeof values, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in [${min}, ${max}], got "${values[name]}"`);
  return n;
}
const list = (name: keyof typeof values, min: number, max: number) =>
  String(values[name])
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const n = Number(s);
      if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name}: every value must be in [${min}, ${max}], got "${s}"`);
      return n;
    });

const ADMIN_URL = values['admin-url'] ?? process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CONNECTIONS = Math.round(num('connections', 2, 256));
const DURATION_S = num('duration', 1, 120);
const RECEIVERS = Math.round(num('receivers', 10, 5000));
const RATES = list('rates', 1, 5000);
const DELIVERY_S = num('delivery-duration', 1, 120);
const PGBENCH_S = Math.round(num('pgbench-duration', 1, 120));
const FREEZE_S = num('freeze', 0, 60);
const PGBENCH_CLIENTS = list('pgbench-clients', 1, 64).map(Math.round);
const SKIP = new Set(String(values.skip).split(',').filter(Boolean));
for (const s of SKIP)
  if (!['throughput', 'delivery', 'pgbench'].includes(s)) throw new Error(`--skip takes throughput, delivery, pgbench; got "${s}"`);
const MAX_MS = num('max-minutes', 1, 120) * 60_000;
type BusName = 'listen' | 'nats';
const BUSES = String(values.buses).split(',').filter(Boolean) as BusName[];
for (const b of BUSES) if (b !== 'listen' && b !== 'nats') throw new Error(`--buses takes listen, nats; got "${b}"`);
const NATS_URL = String(values['nats-url']);

const started = performance.now();
const log = (message: string) => console.error(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s [pg-scale] ${message}`);

// ------------------------------------------------------------------------------------ machine counters

/** Busy and total jiffies of all CPUs (/proc/stat): how busy the machine was, whoever was busy. */
function machineJiffies(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** CPU jiffies of every process named postgres, by pid: the cluster's backends, ours and anyone else's. */
function postgresJiffies(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const rest = stat.slice(close + 2).split(' ');
      out.set(pid, Number(rest[11]) + Number(rest[12])); // utime, stime (fields 14 and 15)
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** CPU used between two snapshots by the processes alive at the second (a backend that exited meanwhile is not counted). */
function jiffiesBetween(before: Map<string, number>, after: Map<string, number>): number {
  let sum = 0;
  for (const [pid, j] of after) sum += j - (before.get(pid) ?? 0);
  return sum;
}

type Instance = { name: string; child: ChildProcess; port: number; adminPort: number; url: string; bus: BusName };

type Window = {
  loadAverage: { start: number; end: number };
  /** Share of the machine's CPUs (all of them: 100% is every core) busy during the window. */
  machineBusyPct: number;
  /** CPU of the PostgreSQL cluster's processes, in cores (1 = one core all the time). */
  postgresCores: number;
  /** CPU of each Chipin instance, in cores. */
  instanceCores: Record<string, number>;
  /** Where the database's active backends were, sampled every 100 ms (share of backend-samples). */
  waits: { wait: string; share: number }[];
  /** Share of the window each instance's main thread spent runnable but waiting for a CPU (/proc/<pid>/schedstat). */
  instanceCpuWaitPct: Record<string, number>;
};

async function measured<T>(
  instances: Instance[],
  db: pg.Client,
  dbName: string,
  work: () => Promise<T>,
): Promise<{ result: T; window: Window }> {
  const cpu = () => Promise.all(instances.map((i) => callAdmin<CpuReport>(i.adminPort, 'cpu')));
  const load0 = loadavg()[0];
  const m0 = machineJiffies();
  const p0 = postgresJiffies();
  const c0 = await cpu();
  const s0 = instances.map((i) => schedstat(i.child.pid));
  const t0 = performance.now();
  const waits = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await db.query<{ w: string; n: number }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'running') AS w, count(*)::int AS n
           FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1`,
        [dbName],
      );
      for (const r of rows) {
        waits.set(r.w, (waits.get(r.w) ?? 0) + r.n);
        samples += r.n;
      }
      await sleep(100);
    }
  })();
  let result: T;
  try {
    result = await work();
  } finally {
    sampling = false;
    await sampler;
  }
  const seconds = (performance.now() - t0) / 1000;
  const c1 = await cpu();
  const s1 = instances.map((i) => schedstat(i.child.pid));
  const m1 = machineJiffies();
  const p1 = postgresJiffies();
  const HZ = 100; // USER_HZ on Linux
  return {
    result,
    window: {
      loadAverage: { start: round(load0), end: round(loadavg()[0]) },
      machineBusyPct: round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100, 0),
      postgresCores: round(jiffiesBetween(p0, p1) / HZ / seconds),
      instanceCores: Object.fromEntries(
        // Four decimals (0.1 millicore): process.cpuUsage counts microseconds, and issue 17's idle target
        // (0.005 of a core) is below what two decimals can show.
        instances.map((inst, i) => [inst.name, round((c1[i].userUs + c1[i].systemUs - c0[i].userUs - c0[i].systemUs) / 1e6 / seconds, 4)]),
      ),
      waits: [...waits]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([wait, n]) => ({ wait, share: round(n / Math.max(1, samples), 2) })),
      instanceCpuWaitPct: Object.fromEntries(
        instances.map((inst, i) => [inst.name, round(((s1[i].waitMs - s0[i].waitMs) / 1000 / seconds) * 100, 0)]),
      ),
    },
  };
}

// ---------------------------------------------------------------------------------------- the database

async function adminQuery(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const dbName = `chipin_pgscale_${randomBytes(5).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

let dropped = false;
async function dropDatabase() {
  if (dropped) return;
  dropped = true;
  // FORCE: a listener killed with its process may leave a session the backend has not noticed yet.
  await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).then(
    () => log(`dropped database ${dbName}`),
    (e: Error) => log(`could not drop ${dbName}: ${e.message}`),
  );
}

// A hard bound on the whole run: whatever hangs, the database is dropped and the children die with us.
const deadline = setTimeout(() => {
  log(`over --max-minutes (${MAX_MS / 60_000}): giving up`);
  void dropDatabase().finally(() => process.exit(2));
}, MAX_MS);
deadline.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void dropDatabase().finally(() => process.exit(130)));
}

// ------------------------------------------------------------------------------------------ instances

async function startInstance(name: string, bus: BusName): Promise<Instance> {
  const child = spawnNode(join(BENCH_DIR, 'chipin-server.ts'), ['--expose-gc', ...startNodeFlags()], {
    ...(bus === 'nats' ? { BUS_URL: NATS_URL } : {}),
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: dbUrl,
    RATE_LIMIT: 'off',
    LOG_LEVEL: String(values['log-level']),
    METRICS_PUBLIC: 'off',
  });
  const { port, adminPort } = await waitForMessage<{ port: number; adminPort: number }>(
    child,
    (m) => m.type === 'ready',
    60_000,
    `instance ${name}`,
  );
  log(`instance ${name} on port ${port} (pid ${child.pid})`);
  return { name, child, port, adminPort, url: `http://127.0.0.1:${port}`, bus };
}

// ----------------------------------------------------------------------------------- 1. throughput

type Shape = 'spread' | 'hot';
type ThroughputRow = {
  shape: Shape;
  instances: number;
  connections: number;
  durationS: number;
  rps: number;
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  window: Window;
  bus: BusName;
  /** Queries (each a round trip) the instances sent PostgreSQL per bill created. */
  roundTripsPerBill: number;
  /** Chipin's CPU (all instances) per bill created, ms. */
  cpuMsPerBill: number;
};

type Tracker = Promise<Result> & {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): unknown;
};

function billRequests(shape: Shape, salt: string) {
  let seq = 0;
  const json = 'application/json';
  const hot = JSON.stringify({
    description: 'hot',
    amount: 3000,
    split: { mode: 'equal', among: [ownerId(0), receiverId(0), receiverId(1)] },
  });
  return [
    {
      method: 'POST',
      setupRequest: (req: Record<string, unknown>) => {
        if (shape === 'hot') {
          return {
            ...req,
            path: `/api/groups/${FAN_GROUP_ID}/bills`,
            headers: { 'content-type': json, authorization: `Bearer ${ownerToken(salt, 0)}` },
            body: hot,
          };
        }
        const r = randomInt(RECEIVERS);
        return {
          ...req,
          path: `/api/groups/${pairGroupId(r)}/bills`,
          headers: { 'content-type': json, authorization: `Bearer ${ownerToken(salt, r % OWNERS)}` },
          body: JSON.stringify(targetedBill(seq++, r)),
        };
      },
    },
  ];
}

/** Closed loop: CONNECTIONS connections, split evenly over the instances' URLs (autocannon round-robins them). */
async function throughput(
  shape: Shape,
  targets: Instance[],
  salt: string,
  durationS: number,
  db: pg.Client,
  all: Instance[],
): Promise<ThroughputRow> {
  const latencies: number[] = [];
  const queries = async () =>
    (await Promise.all(targets.map((t) => callAdmin<{ queries: number }>(t.adminPort, 'stats')))).reduce((a, r) => a + r.queries, 0);
  const q0 = await queries();
  const { result, window } = await measured(all, db, dbName, async () => {
    const options = {
      url: targets.map((t) => t.url),
      connections: CONNECTIONS,
      duration: durationS,
      requests: billRequests(shape, salt),
    } as unknown as AutocannonOptions;
    const tracker = autocannon(options) as Tracker;
    tracker.on('response', (_client, status, _bytes, ms) => {
      if (status === 201) latencies.push(ms);
    });
    return tracker;
  });
  const row: ThroughputRow = {
    shape,
    instances: targets.length,
    connections: CONNECTIONS,
    durationS,
    rps: Math.round(result['2xx'] / durationS),
    latencyMs: summarize(latencies),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    window,
    bus: targets[0].bus,
    roundTripsPerBill: round(((await queries()) - q0) / Math.max(1, result['2xx']), 1),
    cpuMsPerBill: round(
      (targets.reduce((sum, t) => sum + window.instanceCores[t.name], 0) * durationS * 1000) / Math.max(1, result['2xx']),
      3,
    ),
  };
  log(
    `throughput ${row.bus} ${shape}, ${targets.length} instance(s): ${row.rps} bills/s, ${row.roundTripsPerBill} round trips/bill, ${row.cpuMsPerBill} ms CPU/bill, p50 ${row.latencyMs.p50} ms, p99 ${row.latencyMs.p99} ms, max ${row.latencyMs.max} ms, ` +
      `non-2xx ${row.non2xx}, errors ${row.errors}; load ${window.loadAverage.start} → ${window.loadAverage.end}, machine ${window.machineBusyPct}% busy, ` +
      `PostgreSQL ${window.postgresCores} cores, waiting for a CPU ${JSON.stringify(window.instanceCpuWaitPct)} %, waits ${window.waits.map((w) => `${w.wait} ${w.share}`).join(', ')}`,
  );
  return row;
}

// ------------------------------------------------------------------------------------- 2. delivery

type DeliveryRow = {
  bus: BusName;
  mode: 'cross' | 'same' | 'cross, listener stalled' | 'cross, B frozen';
  rate: number;
  durationS: number;
  result: TargetedResult;
  generator: StatusResult;
  window: Window;
  /** pg_notification_queue_usage() before and after, with the stalled listener only. */
  queue?: { usageBefore: number; usageAfter: number; usageAfterRelease: number; bytesPerBill: number };
  /** B stopped (SIGSTOP) for a while in the middle of the run: what PostgreSQL saw just before it went on (SIGCONT). */
  freeze?: { seconds: number; usageAtEnd: number; listenBackends: string[] };
};

async function delivery(
  mode: DeliveryRow['mode'],
  rate: number,
  poster: Instance,
  holder: Instance,
  salt: string,
  db: pg.Client,
  all: Instance[],
): Promise<DeliveryRow> {
  const child = spawnNode(join(BENCH_DIR, 'load-generator.ts'), ['--max-semi-space-size=64'], {});
  try {
    await waitForMessage(child, (m) => m.type === 'ready', 30_000, 'generator');
    const gen = new GeneratorClient(120_000, child);
    await gen.call({
      type: 'init',
      target: {
        kind: 'sse',
        host: '127.0.0.1',
        port: holder.port,
        path: '/api/notifications/stream',
        salt,
        localAddresses: ['127.0.0.2', '127.0.0.3'],
      },
      post: { kind: 'chipin', host: '127.0.0.1', port: poster.port, salt },
    });
    const opened = await gen.call<ConnectResult>({ type: 'connect', from: 0, to: RECEIVERS, concurrency: 50, timeoutMs: 30_000 });
    if (opened.failed > 0) throw new Error(`streams on ${holder.name}: ${opened.failed} failed (${opened.firstError})`);
    const end = performance.now() + 15_000;
    while ((await callAdmin<{ connections: number }>(holder.adminPort, 'stats')).connections < RECEIVERS && performance.now() < end)
      await sleep(100);
    await sleep(500);

    // The stalled listener: LISTEN, then a transaction left open, so its backend reads nothing and the
    // queue's tail cannot move past it (what a frozen instance's LISTEN connection looks like to PostgreSQL).
    let stalled: pg.Client | undefined;
    let usageBefore = 0;
    if (mode === 'cross, listener stalled') {
      stalled = new pg.Client({ connectionString: dbUrl });
      stalled.on('error', () => undefined);
      await stalled.connect();
      await stalled.query('LISTEN chipin');
      await stalled.query('BEGIN');
      await stalled.query('SELECT 1');
      usageBefore = Number((await db.query('SELECT pg_notification_queue_usage() AS u')).rows[0].u);
    }
    // The frozen instance: B's process stopped (as by a long GC pause, a debugger, a paused VM or swapping)
    // from a third into the run, for FREEZE_S seconds; its LISTEN connection stops being read meanwhile.
    let freeze: DeliveryRow['freeze'];
    let frozen: Promise<void> | undefined;
    if (mode === 'cross, B frozen') {
      frozen = (async () => {
        await sleep((DELIVERY_S * 1000) / 3);
        holder.child.kill('SIGSTOP');
        try {
          await sleep(FREEZE_S * 1000);
          const usage = Number((await db.query('SELECT pg_notification_queue_usage() AS u')).rows[0].u);
          const { rows } = await db.query<{ s: string }>(
            `SELECT state || coalesce(' ' || wait_event_type || ':' || wait_event, '') AS s FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN chipin' ORDER BY 1`,
            [dbName],
          );
          freeze = { seconds: FREEZE_S, usageAtEnd: usage, listenBackends: rows.map((r) => r.s) };
        } finally {
          holder.child.kill('SIGCONT');
        }
      })();
    }
    const { result, window } = await measured(all, db, dbName, async () => {
      try {
        return await gen.call<TargetedResult>(
          {
            type: 'targeted',
            rate,
            durationMs: DELIVERY_S * 1000,
            receivers: RECEIVERS,
            drainMs: 10_000 + FREEZE_S * 1000,
            maxInFlight: 2000,
          },
          DELIVERY_S * 1000 + FREEZE_S * 1000 + 60_000,
        );
      } finally {
        await frozen;
      }
    });
    let queue: DeliveryRow['queue'];
    if (stalled) {
      const usageAfter = Number((await db.query('SELECT pg_notification_queue_usage() AS u')).rows[0].u);
      await stalled.query('COMMIT');
      await stalled.end();
      // The tail moves when a notifier next cleans up; one more NOTIFY nudges it.
      await sleep(200);
      await db.query(`SELECT pg_notify('pgscale_nudge', '')`);
      await sleep(200);
      const usageAfterRelease = Number((await db.query('SELECT pg_notification_queue_usage() AS u')).rows[0].u);
      // In PostgreSQL ≤ 16 the queue holds at most 8 GB; usage is the share of it in use (17+: max_notify_queue_pages).
      const bytesPerBill = Math.round(((usageAfter - usageBefore) * 8 * 2 ** 30) / Math.max(1, result.sent - result.postErrors));
      queue = { usageBefore, usageAfter, usageAfterRelease, bytesPerBill };
    }
    const generator = await gen.call<StatusResult>({ type: 'status' });
    await gen.call({ type: 'close' }).catch(() => undefined);
    const row: DeliveryRow = { bus: poster.bus, mode, rate, durationS: DELIVERY_S, result, generator, window, queue, freeze };
    log(
      `delivery ${mode} (${poster.name} → ${holder.name}) at ${rate}/s: ${result.received}/${result.sent} at ${result.achievedRate}/s, p50 ${result.latencyMs.p50} ms, ` +
        `p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms, lost ${result.lost}, misdelivered ${result.misdelivered}, errors ${result.postErrors}` +
        `${result.firstPostError ? ` (${result.firstPostError})` : ''}, duplicates ${generator.duplicates}; load ${window.loadAverage.start} → ${window.loadAverage.end}, ` +
        `machine ${window.machineBusyPct}% busy; cores ${JSON.stringify(window.instanceCores)}, PostgreSQL ${window.postgresCores}` +
        (queue
          ? `; queue usage ${queue.usageBefore} → ${queue.usageAfter} (≈${queue.bytesPerBill} bytes/bill), after release ${queue.usageAfterRelease}`
          : '') +
        (freeze
          ? `; B frozen ${freeze.seconds} s: queue usage at its end ${freeze.usageAtEnd}, LISTEN backends: ${freeze.listenBackends.join(', ')}`
          : ''),
    );
    return row;
  } finally {
    await stopChild(child);
  }
}

// -------------------------------------------------------------------------------------- 3. pgbench

type PgbenchRow = {
  variant: string;
  script: string;
  clients: number;
  durationS: number;
  tps: number;
  latencyAvgMs: number;
  transactions: number;
  /** Notifications the connected listener received (NOTIFY variants). */
  heard?: number;
  loadAverage: { start: number; end: number };
  machineBusyPct: number;
};

const PGBENCH_VARIANTS: { variant: string; script: string; notify: boolean }[] = [
  { variant: 'NOTIFY only', script: `BEGIN;\nSELECT pg_notify('x', repeat('a', 500));\nCOMMIT;\n`, notify: true },
  { variant: 'no NOTIFY, read-only (no commit record)', script: `BEGIN;\nSELECT repeat('a', 500);\nCOMMIT;\n`, notify: false },
  {
    variant: 'one-row UPDATE, no NOTIFY',
    script: `\\set id random(1, 1000)\nBEGIN;\nUPDATE pgscale_counter SET n = n + 1 WHERE id = :id;\nCOMMIT;\n`,
    notify: false,
  },
  {
    variant: 'one-row UPDATE + NOTIFY',
    script: `\\set id random(1, 1000)\nBEGIN;\nUPDATE pgscale_counter SET n = n + 1 WHERE id = :id;\nSELECT pg_notify('x', repeat('a', 500));\nCOMMIT;\n`,
    notify: true,
  },
];

function runPgbench(file: string, clients: number, seconds: number): Promise<string> {
  const u = new URL(dbUrl);
  const args = [
    '-n',
    '-f',
    file,
    '-c',
    String(clients),
    '-j',
    String(Math.min(clients, 2)),
    '-T',
    String(seconds),
    '-h',
    u.hostname,
    '-p',
    u.port || '5432',
    '-U',
    decodeURIComponent(u.username || 'postgres'),
    dbName,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`pgbench exited ${code}:\n${out}`));
    });
  });
}

async function pgbench(): Promise<PgbenchRow[]> {
  const rows: PgbenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'chipin-pgscale-'));
  const setup = new pg.Client({ connectionString: dbUrl });
  await setup.connect();
  const listener = new pg.Client({ connectionString: dbUrl });
  listener.on('error', () => undefined);
  let heard = 0;
  listener.on('notification', (m) => {
    if (m.channel === 'x') heard++;
  });
  try {
    await setup.query('CREATE TABLE pgscale_counter (id int PRIMARY KEY, n bigint NOT NULL)');
    await setup.query('INSERT INTO pgscale_counter SELECT g, 0 FROM generate_series(1, 1000) g');
    await listener.connect();
    await listener.query('LISTEN x');
    for (const v of PGBENCH_VARIANTS) {
      const file = join(dir, `${rows.length}.sql`);
      writeFileSync(file, v.script);
      for (const clients of PGBENCH_CLIENTS) {
        heard = 0;
        const load0 = loadavg()[0];
        const m0 = machineJiffies();
        const out = await runPgbench(file, clients, PGBENCH_S);
        await sleep(300); // the last notifications still on their way to the listener
        const m1 = machineJiffies();
        const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1] ?? Number.NaN);
        const latencyAvgMs = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1] ?? Number.NaN);
        const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? Number.NaN);
        const row: PgbenchRow = {
          variant: v.variant,
          script: v.script.trim().replace(/\n/g, ' '),
          clients,
          durationS: PGBENCH_S,
          tps: Math.round(tps),
          latencyAvgMs,
          transactions,
          heard: v.notify ? heard : undefined,
          loadAverage: { start: round(load0), end: round(loadavg()[0]) },
          machineBusyPct: round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100, 0),
        };
        rows.push(row);
        log(
          `pgbench ${v.variant}, ${clients} client(s): ${row.tps} tps, latency avg ${latencyAvgMs} ms${v.notify ? `, listener heard ${heard} of ${transactions}` : ''}; load ${row.loadAverage.start} → ${row.loadAverage.end}, machine ${row.machineBusyPct}% busy`,
        );
      }
    }
  } finally {
    await listener.end().catch(() => undefined);
    await setup.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

// ----------------------------------------------------------------------------------------- the run

function markdown(run: {
  date: string;
  throughput: ThroughputRow[];
  delivery: DeliveryRow[];
  pgbench: PgbenchRow[];
  fsync: string;
  idle: Partial<Record<BusName, Window & { seconds: number }>>;
}): string {
  const out: string[] = [];
  const m = describeMachine();
  out.push(
    `Run of ${run.date}. Machine: ${m.nproc} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.kernel}; Node ${m.node}; ${run.fsync}.`,
    '',
  );
  const waits = (w: Window) => w.waits.map((x) => `${x.wait} ${Math.round(x.share * 100)}%`).join(', ');
  const cores = (w: Window) =>
    Object.entries(w.instanceCores)
      .map(([k, v]) => `${k} ${v} (${w.instanceCpuWaitPct[k]}%)`)
      .join(', ');
  if (run.throughput.length) {
    out.push(`POST /bills, autocannon, ${CONNECTIONS} connections in all, ${DURATION_S} s per row:`, '');
    out.push(
      '| Bus | Load | Instances | bills/s | Round trips / bill | Chipin CPU / bill, ms | p50 / p99 / max ms | non-2xx / errors | Chipin CPU, cores (waiting for a CPU) | PostgreSQL CPU, cores | Machine busy | Active backends were in | Load avg |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of run.throughput) {
      out.push(
        `| ${r.bus} | ${r.shape} | ${r.instances} | ${r.rps} | ${r.roundTripsPerBill} | ${r.cpuMsPerBill} | ${r.latencyMs.p50} / ${r.latencyMs.p99} / ${r.latencyMs.max} | ${r.non2xx} / ${r.errors} | ${cores(r.window)} | ${r.window.postgresCores} | ${r.window.machineBusyPct}% | ${waits(r.window)} | ${r.window.loadAverage.start} → ${r.window.loadAverage.end} |`,
      );
    }
    out.push('');
  }
  if (run.delivery.length) {
    out.push(
      `Delivery: bills POSTed on A at a fixed rate (open loop) for ${DELIVERY_S} s, each to a random one of ${RECEIVERS} SSE streams; latency from the request's start to the event's receipt:`,
      '',
    );
    out.push(
      '| Bus | Streams on | Rate (achieved) | p50 / p99 / max ms | Delivered / sent | Lost / errors / doubled | Idle instance C, cores | Chipin CPU, cores (waiting for a CPU) | PostgreSQL CPU, cores | Machine busy | Load avg |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of run.delivery) {
      const where = {
        same: 'A (same instance)',
        cross: 'B (cross-instance)',
        'cross, listener stalled': 'B, another listener stalled',
        'cross, B frozen': `B, frozen ${FREEZE_S} s mid-run`,
      }[r.mode];
      out.push(
        `| ${r.bus} | ${where} | ${r.rate}/s (${r.result.achievedRate}/s) | ${r.result.latencyMs.p50} / ${r.result.latencyMs.p99} / ${r.result.latencyMs.max} | ${r.result.received} / ${r.result.sent} | ${r.result.lost} / ${r.result.postErrors} / ${r.generator.duplicates} | ${r.window.instanceCores.C ?? '–'} | ${cores(r.window)} | ${r.window.postgresCores} | ${r.window.machineBusyPct}% | ${r.window.loadAverage.start} → ${r.window.loadAverage.end} |`,
      );
    }
    const q = run.delivery.find((r) => r.queue)?.queue;
    if (q)
      out.push(
        '',
        `Stalled listener: pg_notification_queue_usage() ${q.usageBefore} → ${q.usageAfter} (≈${q.bytesPerBill} bytes of queue per bill), ${q.usageAfterRelease} once it committed.`,
      );
    const f = run.delivery.find((r) => r.freeze)?.freeze;
    if (f)
      out.push(
        '',
        `B frozen (SIGSTOP) for ${f.seconds} s: pg_notification_queue_usage() ${f.usageAtEnd} at the end of the freeze; LISTEN backends then: ${f.listenBackends.join(', ')}.`,
      );
    for (const [bus, w] of Object.entries(run.idle))
      out.push(
        '',
        `Idle on ${bus} (no requests, no streams, ${w.seconds} s): ${Object.entries(w.instanceCores)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} cores.`,
      );
    out.push('');
  }
  if (run.pgbench.length) {
    out.push(`pgbench, ${PGBENCH_S} s per row, a listener on 'x' connected throughout:`, '');
    out.push('| Transaction | Clients | tps | latency avg ms | listener heard / committed | Machine busy | Load avg |');
    out.push('|---|---|---|---|---|---|---|');
    for (const r of run.pgbench) {
      out.push(
        `| ${r.variant} | ${r.clients} | ${r.tps} | ${r.latencyAvgMs} | ${r.heard === undefined ? '–' : `${r.heard} / ${r.transactions}`} | ${r.machineBusyPct}% | ${r.loadAverage.start} → ${r.loadAverage.end} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

async function main() {
  const date = new Date().toISOString();
  await adminQuery(`CREATE DATABASE ${dbName}`);
  log(`created database ${dbName}`);
  const instances: Instance[] = [];
  const db = new pg.Client({ connectionString: dbUrl });
  db.on('error', () => undefined);
  const throughputRows: ThroughputRow[] = [];
  const deliveryRows: DeliveryRow[] = [];
  let pgbenchRows: PgbenchRow[] = [];
  const idle: Partial<Record<BusName, Window & { seconds: number }>> = {};
  const fsyncSettings = async () => {
    const { rows } = await db.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'wal_sync_method', 'commit_delay', 'server_version') ORDER BY name`,
    );
    return `PostgreSQL ${rows.map((r) => `${r.name}=${r.setting}`).join(', ')}`;
  };
  let fsync = '';
  try {
    await db.connect();
    fsync = await fsyncSettings();
    const salt = randomBytes(6).toString('hex');
    const t0 = performance.now();
    const store = await openStore(parseConfig({ DATABASE_URL: dbUrl })); // applies the migrations
    await seedRealtime(store, RECEIVERS, salt);
    await store.close();
    log(`seeded ${RECEIVERS} receivers, ${OWNERS} owners in ${round((performance.now() - t0) / 1000, 1)} s; ${fsync}`);

    // Each bus in turn on the same database, so the rows differ by the bus alone.
    for (const bus of SKIP.has('throughput') && SKIP.has('delivery') ? [] : BUSES) {
      const A = await startInstance('A', bus);
      instances.push(A);
      if (!SKIP.has('throughput')) {
        // Warm-up, not recorded: JIT and the pool's first connections.
        await throughput('spread', [A], salt, 2, db, instances);
        for (const shape of ['spread', 'hot'] as const) throughputRows.push(await throughput(shape, [A], salt, DURATION_S, db, instances));
      }
      const B = await startInstance('B', bus);
      instances.push(B);
      if (!SKIP.has('throughput')) {
        await throughput('spread', [B], salt, 2, db, instances);
        for (const shape of ['spread', 'hot'] as const)
          throughputRows.push(await throughput(shape, [A, B], salt, DURATION_S, db, instances));
      }
      if (!SKIP.has('delivery')) {
        const C = await startInstance('C', bus);
        instances.push(C);
        // What the three instances burn doing nothing: the floor under the delivery rows' CPU.
        await sleep(1000);
        idle[bus] = { ...(await measured(instances, db, dbName, () => sleep(5000))).window, seconds: 5 };
        log(`idle ${bus}: cores ${JSON.stringify(idle[bus]!.instanceCores)}`);
        for (const rate of RATES) {
          deliveryRows.push(await delivery('cross', rate, A, B, salt, db, instances));
          deliveryRows.push(await delivery('same', rate, A, A, salt, db, instances));
        }
        // A stalled LISTEN session holds PostgreSQL's queue: a LISTEN/NOTIFY matter only.
        if (bus === 'listen') deliveryRows.push(await delivery('cross, listener stalled', RATES[0], A, B, salt, db, instances));
        if (FREEZE_S > 0) deliveryRows.push(await delivery('cross, B frozen', RATES[0], A, B, salt, db, instances));
      }
      for (const i of instances.splice(0)) await stopChild(i.child);
    }
    if (!SKIP.has('pgbench')) pgbenchRows = await pgbench();
  } finally {
    for (const i of instances) await stopChild(i.child);
    await db.end().catch(() => undefined);
    await dropDatabase();
  }
  const run = {
    date,
    machine: describeMachine(),
    settings: { CONNECTIONS, DURATION_S, RECEIVERS, RATES, DELIVERY_S, FREEZE_S, PGBENCH_S, PGBENCH_CLIENTS },
    fsync,
    idle,
    throughput: throughputRows,
    delivery: deliveryRows,
    pgbench: pgbenchRows,
  };
  console.log(markdown(run));
  if (values['results-dir']) {
    mkdirSync(String(values['results-dir']), { recursive: true });
    const file = join(String(values['results-dir']), `pg-scale-${date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
    writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
    log(`JSON: ${file}`);
  }
  log(`total ${Math.round((performance.now() - started) / 1000)} s`);
}

await main();
clearTimeout(deadline);

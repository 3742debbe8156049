// The API under load (issue 6): autocannon against POST /bills, POST /pay, GET /balances and
// GET /notifications, beside a bare Fastify route answering a body of the same size, in the same run; and
// GET /balances as a group's bills grow (1k, 10k, 100k). On SQLite always; on PostgreSQL too when
// DATABASE_URL names one. The server runs in its own process; autocannon runs here.
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import autocannon, { type Result } from 'autocannon';
import { parseConfig } from '../src/config.ts';
import { openStore } from '../src/store/open.ts';
import { benchId } from './fixtures.ts';
import { callAdmin } from './admin.ts';
import { BENCH_DIR, type Options } from './options.ts';
import { processCpuMs, schedstat, spawnNode, stopChild, waitForMessage } from './process.ts';
import { startNodeFlags } from '../scripts/start-flags.ts';
import { seedBills, seedGroup, seedUser } from './seed.ts';
import { round, summarize } from './stats.ts';

export type Endpoint = {
  name: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** The server's own CPU per answered request: what it would take on a core of its own, whatever else ran. */
  serverCpuUsPerRequest: number;
  /** How long the server's event-loop thread waited for a CPU during the run (another process had it). */
  serverRunQueueWaitMs: number;
};
export type BalancesPoint = { bills: number; p50Ms: number; p99Ms: number; maxMs: number; samples: number };
export type ApiSuite = {
  database: 'sqlite' | 'postgres';
  connections: number;
  durationS: number;
  responseBytes: number;
  endpoints: Endpoint[];
  bare: Endpoint;
  balances: BalancesPoint[];
};
export type ApiResult = { suites: ApiSuite[] };

const MEMBERS = 10;
const started = performance.now();
const log = (message: string) => console.error(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s [api] ${message}`);

function endpoint(name: string, r: Result, cpuMs: number, waitMs: number): Endpoint {
  return {
    serverCpuUsPerRequest: round((cpuMs * 1000) / Math.max(1, r['2xx'] + r.non2xx)),
    serverRunQueueWaitMs: round(waitMs),
    name,
    rps: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    requests: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/** Serial GETs timed here (sub-millisecond), at least 1,000 samples: the cost of one request, not a queue. */
async function timedGets(port: number, path: string, token: string, count: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ agent, host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject);
    });
    if (status !== 200) throw new Error(`GET ${path}: HTTP ${status}`);
    samples.push(performance.now() - t0);
  }
  agent.destroy();
  return samples;
}

async function runSuite(opts: Options, databaseUrl: string, database: 'sqlite' | 'postgres'): Promise<ApiSuite> {
  // Ids carry a run tag, so a PostgreSQL database that already holds an earlier run takes this one too.
  const tag = randomBytes(2).toString('hex');
  const memberId = (i: number) => benchId(`m${tag}`, i);
  const salt = randomBytes(6).toString('hex');
  const token = (i: number) => `bench_${tag}${salt}_m${i}`;
  const members = Array.from({ length: MEMBERS }, (_, i) => memberId(i));
  const writeGroup = benchId(`gw${tag}`, 0);
  const payGroup = benchId(`gp${tag}`, 0);
  const balanceGroup = (bills: number) => benchId(`gb${tag}`, bills);

  const t0 = performance.now();
  const store = await openStore(parseConfig({ DATABASE_URL: databaseUrl }));
  await store.transaction(async (tx) => {
    for (let i = 0; i < MEMBERS; i++) await seedUser(tx, members[i], `Member ${i}`, token(i));
    await seedGroup(tx, writeGroup, 'Writes', members);
    await seedGroup(tx, payGroup, 'Payments', members);
    for (const bills of opts.balancesBills) await seedGroup(tx, balanceGroup(bills), `Balances ${bills}`, members);
  });
  const payBills = await seedBills(store, payGroup, members, opts.payBills, (i) => benchId(`bp${tag}`, i));
  for (const bills of opts.balancesBills)
    await seedBills(store, balanceGroup(bills), members, bills, (i) => benchId(`b${bills.toString(36)}${tag}`, i));
  await store.close();
  log(
    `${database}: seeded ${opts.payBills + opts.balancesBills.reduce((a, b) => a + b, 0)} bills in ${round((performance.now() - t0) / 1000, 1)} s`,
  );

  let chipin: ChildProcess | undefined;
  let bare: ChildProcess | undefined;
  try {
    chipin = spawnNode(join(BENCH_DIR, 'chipin-server.ts'), ['--expose-gc', ...startNodeFlags()], {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      RATE_LIMIT: 'off',
      LOG_LEVEL: opts.logLevel,
    });
    const { port, adminPort } = await waitForMessage<{ port: number; adminPort: number }>(
      chipin,
      (m) => m.type === 'ready',
      60_000,
      'chipin server',
    );
    const profileDir = opts.profile ? join(opts.resultsDir, 'profiles') : undefined;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const base = `http://127.0.0.1:${port}`;
    const auth = (i: number) => ({ authorization: `Bearer ${token(i)}` });
    const billBody = JSON.stringify({ description: 'Dinner', amount: 3000, split: { mode: 'equal', among: members.slice(0, 3) } });

    // One real response: the bare route answers with exactly these bytes' worth of JSON.
    const sample = await fetch(`${base}/api/groups/${writeGroup}/bills`, {
      method: 'POST',
      headers: { ...auth(0), 'content-type': 'application/json' },
      body: billBody,
    });
    const responseJson = await sample.text();
    if (sample.status !== 201) throw new Error(`POST /bills: HTTP ${sample.status} ${responseJson}`);
    bare = spawnNode(join(BENCH_DIR, 'reference', 'fastify-server.ts'), [], { RESPONSE_JSON: responseJson });
    const barePort = (await waitForMessage<{ port: number }>(bare, (m) => m.type === 'ready', 30_000, 'bare fastify')).port;

    const common = { connections: opts.apiConnections, duration: opts.apiDurationS };
    const run = async (name: string, options: Parameters<typeof autocannon>[0], server: ChildProcess, profile = true) => {
      // Warm-up, not recorded: the route's first requests run cold code (interpreted, then compiled).
      if (opts.warmupS > 0) {
        const warm = await autocannon({
          ...common,
          ...options,
          duration: opts.warmupS,
          maxOverallRequests: options.maxOverallRequests && Math.floor(options.maxOverallRequests / 10),
        });
        if (warm.non2xx + warm.errors > 0) throw new Error(`${name}: ${warm.non2xx} non-2xx and ${warm.errors} errors during warm-up`);
      }
      // With --profile, the Chipin server records a CPU profile of this endpoint's run alone.
      const slug = `${database}-${name
        .replace(/[^a-z]+/gi, '-')
        .replace(/^-|-$/g, '')
        .toLowerCase()}`;
      if (profileDir && profile) await callAdmin(adminPort, 'profileStart');
      const cpu0 = processCpuMs(server.pid);
      const wait0 = schedstat(server.pid).waitMs;
      const result = await autocannon({ ...common, ...options });
      const cpuMs = processCpuMs(server.pid) - cpu0;
      const waitMs = schedstat(server.pid).waitMs - wait0;
      if (profileDir && profile) await callAdmin(adminPort, 'profileStop', { path: join(profileDir, `api-${slug}.cpuprofile`) });
      const e = endpoint(name, result, cpuMs, waitMs);
      log(
        `${database} ${name}: ${e.rps} req/s, p99 ${e.p99Ms} ms, non-2xx ${e.non2xx}, errors ${e.errors}; server CPU ${e.serverCpuUsPerRequest} µs/request, waited ${e.serverRunQueueWaitMs} ms for a CPU`,
      );
      return e;
    };
    const json = { 'content-type': 'application/json' };

    const bareResult = await run(
      'bare Fastify POST (same body size)',
      { url: `http://127.0.0.1:${barePort}/bills`, method: 'POST', headers: json, body: billBody },
      bare,
      false,
    );
    const endpoints: Endpoint[] = [];
    endpoints.push(
      await run(
        'POST /bills',
        { url: `${base}/api/groups/${writeGroup}/bills`, method: 'POST', headers: { ...json, ...auth(0) }, body: billBody },
        chipin,
      ),
    );

    // Each payment needs an unpaid share: walk (bill, payer) pairs of the seeded bills, each used once.
    const pays: { path: string; headers: Record<string, string> }[] = [];
    payBills.forEach((billId, i) => {
      for (const k of [1, 2]) pays.push({ path: `/api/bills/${billId}/pay`, headers: auth((i + k) % MEMBERS) });
    });
    let next = 0;
    endpoints.push(
      await run(
        'POST /bills/:id/pay',
        {
          url: base,
          // A tenth goes to the warm-up; the rest bounds the measured run, so no share is ever paid twice.
          maxOverallRequests: Math.floor((pays.length * 9) / 10),
          requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, ...pays[next++ % pays.length] }) }],
        },
        chipin,
      ),
    );
    endpoints.push(await run('GET /groups/:id/balances', { url: `${base}/api/groups/${writeGroup}/balances`, headers: auth(0) }, chipin));
    endpoints.push(await run('GET /notifications', { url: `${base}/api/notifications`, headers: auth(1) }, chipin));

    const balances: BalancesPoint[] = [];
    for (const bills of opts.balancesBills) {
      const s = summarize(await timedGets(port, `/api/groups/${balanceGroup(bills)}/balances`, token(0), 1000));
      balances.push({ bills, p50Ms: s.p50, p99Ms: s.p99, maxMs: s.max, samples: s.samples });
      log(`${database} GET /balances at ${bills} bills: p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms`);
    }
    return {
      database,
      connections: opts.apiConnections,
      durationS: opts.apiDurationS,
      responseBytes: Buffer.byteLength(responseJson),
      endpoints,
      bare: bareResult,
      balances,
    };
  } finally {
    if (bare) await stopChild(bare);
    if (chipin) await stopChild(chipin);
  }
}

export async function runApi(opts: Options): Promise<ApiResult> {
  const suites: ApiSuite[] = [];
  const work = mkdtempSync(join(tmpdir(), 'chipin-bench-api-'));
  try {
    suites.push(await runSuite(opts, `sqlite:${join(work, 'chipin.db')}`, 'sqlite'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const pg = process.env.DATABASE_URL;
  if (pg && /^postgres(ql)?:\/\//.test(pg)) suites.push(await runSuite(opts, pg, 'postgres'));
  return { suites };
}

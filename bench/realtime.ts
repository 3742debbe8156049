// The realtime benchmark (issue 6): Chipin over SSE and WebSocket against bare node:http SSE, bare ws and
// Socket.IO, one after another on the same machine and sizes. For each server: its own process, the load
// generator in another, this orchestrator in a third reading the server's admin endpoint and /proc.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { parseConfig } from '../src/config.ts';
import { openStore } from '../src/store/open.ts';
import { callAdmin, type CpuReport, type LoopDelay, type MemoryReport } from './admin.ts';
import { FAN_SIZE } from './fixtures.ts';
import { BENCH_DIR, type Options, type TargetKey } from './options.ts';
import { schedstat, sockstat, spawnNode, stopChild, waitForMessage } from './process.ts';
import type {
  AwaitResult,
  ConnectResult,
  FanoutResult,
  GeneratorCommand,
  GeneratorReply,
  PostTarget,
  StatusResult,
  StreamKind,
  TargetedResult,
} from './protocol.ts';
import { seedRealtime } from './seed.ts';
import { round } from './stats.ts';

type Spec = { key: TargetKey; label: string; kind: StreamKind; script: string; path: string; chipin: boolean; floor?: TargetKey };

export const SPECS: Record<TargetKey, Spec> = {
  'chipin-sse': { key: 'chipin-sse', label: 'Chipin SSE', kind: 'sse', script: 'chipin-server.ts', path: '/api/notifications/stream', chipin: true, floor: 'node-sse' },
  'chipin-ws': { key: 'chipin-ws', label: 'Chipin WebSocket', kind: 'ws', script: 'chipin-server.ts', path: '/api/notifications/ws', chipin: true, floor: 'ws' },
  'node-sse': { key: 'node-sse', label: 'node:http SSE (bare)', kind: 'sse', script: 'reference/sse-server.ts', path: '/api/notifications/stream', chipin: false },
  'node-sse-detached': {
    key: 'node-sse-detached',
    label: 'node:http SSE, socket detached (probe)',
    kind: 'sse',
    script: 'reference/sse-detached-server.ts',
    path: '/api/notifications/stream',
    chipin: false,
  },
  ws: { key: 'ws', label: 'ws (bare)', kind: 'ws', script: 'reference/ws-server.ts', path: '/api/notifications/ws', chipin: false },
  socketio: { key: 'socketio', label: 'Socket.IO (websocket only)', kind: 'socketio', script: 'reference/socketio-server.ts', path: '/socket.io/?EIO=4&transport=websocket', chipin: false },
};

export type TargetResult = {
  key: TargetKey;
  label: string;
  transport: StreamKind;
  connect: { baseline: ConnectResult; rest: ConnectResult };
  memory: {
    baseline: number;
    n: number;
    rssPerConnKB: number;
    heapPerConnKB: number;
    externalPerConnKB: number;
    /** /proc/net/sockstat TCP mem: both ends of every loopback connection, and anything else on the machine. */
    kernelPerConnKB: number;
    rssAtNMB: number;
    atBaseline: MemoryReport;
    atN: MemoryReport;
  };
  idle: { windowMs: number; cpuMs: number; usPerConnPerS: number };
  targeted: TargetedResult;
  /** During the targeted phase: each side's event-loop delay, and how long each waited for a CPU (run queue). */
  contention: { serverLoopDelayMs: LoopDelay; generatorLoopDelayMs: LoopDelay; serverRunQueueWaitMs: number; generatorRunQueueWaitMs: number };
  fanout50: FanoutResult;
  broadcast: FanoutResult | undefined;
  burst: { messages: number; cpuUs: number; wallMs: number; usPerMessage: number; lost: number; misdelivered: number };
  generator: StatusResult;
  heapSnapshot: string | undefined;
  cpuProfileDir: string | undefined;
  /** The machine's 1-minute load average when this server's run began and ended: other work skews timings. */
  loadAverage: { start: number; end: number };
};

export type RealtimeResult = { targets: TargetResult[] };

const started = performance.now();
const log = (key: string, message: string) => console.error(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s [${key}] ${message}`);

/** Source addresses for the index-th server of a run: distinct per server, all in 127.0.0.x. */
function sourceAddresses(index: number): string[] {
  return Array.from({ length: 8 }, (_, j) => `127.0.0.${10 + index * 8 + j}`);
}

class Generator {
  #seq = 0;
  readonly child: ChildProcess;
  constructor(child: ChildProcess) {
    this.child = child;
  }
  async call<T>(cmd: GeneratorCommand, timeoutMs = 600_000): Promise<T> {
    const seq = ++this.#seq;
    const reply = waitForMessage<GeneratorReply>(this.child, (m) => m.seq === seq, timeoutMs, `generator ${cmd.type}`);
    this.child.send({ seq, cmd });
    const r = await reply;
    if (!r.ok) throw new Error(`generator ${cmd.type}: ${r.error}`);
    return r.result as T;
  }
}

async function waitConnections(adminPort: number, expected: number, timeoutMs: number): Promise<number> {
  const end = performance.now() + timeoutMs;
  let seen = 0;
  while (performance.now() < end) {
    seen = (await callAdmin<{ connections: number }>(adminPort, 'stats')).connections;
    if (seen >= expected) return seen;
    await sleep(100);
  }
  return seen;
}

const perConnKB = (a: number, b: number, conns: number) => round((b - a) / conns / 1024, 2);

export async function runTarget(key: TargetKey, index: number, opts: Options): Promise<TargetResult> {
  const spec = SPECS[key];
  const salt = randomBytes(6).toString('hex');
  const work = mkdtempSync(join(tmpdir(), `chipin-bench-${key}-`));
  const loadStart = round(loadavg()[0]);
  const profileDir = opts.profile ? join(opts.resultsDir, 'profiles', key) : undefined;
  let server: ChildProcess | undefined;
  let generatorProcess: ChildProcess | undefined;
  try {
    const env: Record<string, string> = { HEARTBEAT_MS: String(opts.heartbeatMs) };
    if (spec.chipin) {
      const databaseUrl = `sqlite:${join(work, 'chipin.db')}`;
      const store = await openStore(parseConfig({ DATABASE_URL: databaseUrl }));
      await seedRealtime(store, opts.n, salt);
      await store.close();
      Object.assign(env, { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, RATE_LIMIT: 'off', LOG_LEVEL: opts.logLevel, METRICS_PUBLIC: 'off' });
    }
    const nodeArgs = ['--expose-gc'];
    if (profileDir) {
      mkdirSync(profileDir, { recursive: true });
      if (spec.chipin) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
    }
    server = spawnNode(join(BENCH_DIR, spec.script), nodeArgs, env);
    const ready = await waitForMessage<{ port: number; adminPort: number }>(server, (m) => m.type === 'ready', 30_000, `${key} server`);
    const { port, adminPort } = ready;
    // With --profile, each timed phase also gets a profile of its own window (its timings then carry the
    // profiler's overhead: a profiled run is evidence, not the record).
    const profiled = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
      if (!profileDir) return work();
      await callAdmin(adminPort, 'profileStart');
      try {
        return await work();
      } finally {
        await callAdmin(adminPort, 'profileStop', { path: join(profileDir, `${key}-${phase}.cpuprofile`) });
      }
    };

    // A larger young generation: fewer scavenges in the generator while it times deliveries.
    generatorProcess = spawnNode(join(BENCH_DIR, 'load-generator.ts'), ['--max-semi-space-size=64'], {});
    await waitForMessage(generatorProcess, (m) => m.type === 'ready', 30_000, 'generator');
    const gen = new Generator(generatorProcess);
    const post: PostTarget = spec.chipin ? { kind: 'chipin', host: '127.0.0.1', port, salt } : { kind: 'reference', host: '127.0.0.1', port: adminPort };
    await gen.call({ type: 'init', target: { kind: spec.kind, host: '127.0.0.1', port, path: spec.path, salt, localAddresses: sourceAddresses(index) }, post });

    // Memory: marginal between the baseline and N streams, after GC, so fixed memory does not count.
    const connect = async (from: number, to: number) => {
      const r = await gen.call<ConnectResult>({ type: 'connect', from, to, concurrency: 100, timeoutMs: 30_000 });
      const seen = await waitConnections(adminPort, to, 15_000);
      log(key, `streams ${from}..${to}: opened ${r.opened}, failed ${r.failed} in ${r.ms} ms; server counts ${seen}${r.firstError ? `; first error: ${r.firstError}` : ''}`);
      await sleep(opts.settleMs);
      return r;
    };
    const baseline = await connect(0, opts.baseline);
    const memBaseline = await callAdmin<MemoryReport>(adminPort, 'mem');
    const kernelBaseline = sockstat();
    const rest = await connect(opts.baseline, opts.n);
    const memN = await callAdmin<MemoryReport>(adminPort, 'mem');
    const kernelN = sockstat();
    const added = opts.n - opts.baseline;
    let heapSnapshot: string | undefined;
    if (profileDir) {
      heapSnapshot = (await callAdmin<{ path: string }>(adminPort, 'heapSnapshot', { path: join(profileDir, `${key}-${opts.n}.heapsnapshot`) })).path;
      log(key, `heap snapshot: ${heapSnapshot}`);
    }

    // Idle: exactly one heartbeat period, so every server's heartbeat round falls in it once.
    const cpu0 = await callAdmin<CpuReport>(adminPort, 'cpu');
    await sleep(opts.heartbeatMs);
    const cpu1 = await callAdmin<CpuReport>(adminPort, 'cpu');
    const idleUs = cpu1.userUs + cpu1.systemUs - cpu0.userUs - cpu0.systemUs;
    const idleWindowMs = cpu1.wallMs - cpu0.wallMs;
    const idleUsPerS = idleUs / (idleWindowMs / 1000);
    log(key, `idle: ${round(idleUs / 1000)} ms CPU in ${round(idleWindowMs)} ms`);

    const sched0 = { server: schedstat(server.pid), generator: schedstat(generatorProcess.pid) };
    await callAdmin(adminPort, 'loopStart');
    const targeted = await profiled('targeted', () =>
      gen.call<TargetedResult>({ type: 'targeted', rate: opts.rate, durationMs: opts.durationS * 1000, receivers: opts.n, drainMs: 10_000, maxInFlight: 5000 }),
    );
    const serverLoop = await callAdmin<LoopDelay>(adminPort, 'loopStop');
    const sched1 = { server: schedstat(server.pid), generator: schedstat(generatorProcess.pid) };
    const contention = {
      serverLoopDelayMs: serverLoop,
      generatorLoopDelayMs: targeted.generatorLoopDelayMs,
      serverRunQueueWaitMs: round(sched1.server.waitMs - sched0.server.waitMs),
      generatorRunQueueWaitMs: round(sched1.generator.waitMs - sched0.generator.waitMs),
    };
    log(key, `event-loop delay max: server ${serverLoop.max} ms, generator ${targeted.generatorLoopDelayMs.max} ms; waiting for a CPU: server ${contention.serverRunQueueWaitMs} ms, generator ${contention.generatorRunQueueWaitMs} ms`);
    log(key, `targeted: ${targeted.received}/${targeted.sent} at ${targeted.achievedRate}/s, p50 ${targeted.latencyMs.p50} ms, p99 ${targeted.latencyMs.p99} ms, max ${targeted.latencyMs.max} ms, lost ${targeted.lost}, misdelivered ${targeted.misdelivered}, errors ${targeted.postErrors}${targeted.firstPostError ? ` (${targeted.firstPostError})` : ''}; ${targeted.over10ms} over 10 ms, slowest at ${targeted.worst.map((w) => `${w.atMs} ms: ${w.latencyMs}`).join(', ')}`);

    const fanout50 = await gen.call<FanoutResult>({ type: 'fanout', phase: 'fan', reps: opts.fanReps, size: Math.min(FAN_SIZE, opts.n), gapMs: 100, timeoutMs: 10_000 });
    log(key, `fan-out ${fanout50.size}: last receipt p50 ${fanout50.lastReceiptMs.p50} ms, max ${fanout50.lastReceiptMs.max} ms, lost ${fanout50.lost}`);
    let broadcast: FanoutResult | undefined;
    if (!spec.chipin) {
      broadcast = await gen.call<FanoutResult>({ type: 'fanout', phase: 'all', reps: opts.broadcastReps, size: opts.n, gapMs: opts.settleMs, timeoutMs: 30_000 });
      log(key, `broadcast ${broadcast.size}: last receipt p50 ${broadcast.lastReceiptMs.p50} ms, max ${broadcast.lastReceiptMs.max} ms, lost ${broadcast.lost}`);
    }

    // CPU per delivered message in the publish-to-socket path, minus what the server burns idle meanwhile.
    await gen.call({ type: 'expect', phase: 'burst', count: opts.burst, users: opts.n });
    const burstCpu = await profiled('burst', () => callAdmin<{ cpuUs: number; wallMs: number }>(adminPort, 'burst', { count: opts.burst, users: opts.n, chunk: 500 }));
    const burstRecv = await gen.call<AwaitResult>({ type: 'await', phase: 'burst', timeoutMs: 30_000 });
    const usPerMessage = round((burstCpu.cpuUs - (idleUsPerS * burstCpu.wallMs) / 1000) / opts.burst, 2);
    log(key, `burst: ${opts.burst} messages, ${round(burstCpu.cpuUs / 1000)} ms CPU, ${usPerMessage} µs/message, received ${burstRecv.received}, misdelivered ${burstRecv.misdelivered}`);

    const generator = await gen.call<StatusResult>({ type: 'status' });
    await gen.call({ type: 'close' }).catch(() => undefined);
    await stopChild(generatorProcess);
    await stopChild(server);
    if (profileDir) log(key, `CPU profile in ${profileDir}`);

    return {
      key,
      label: spec.label,
      transport: spec.kind,
      connect: { baseline, rest },
      memory: {
        baseline: opts.baseline,
        n: opts.n,
        rssPerConnKB: perConnKB(memBaseline.rss, memN.rss, added),
        heapPerConnKB: perConnKB(memBaseline.heapUsed, memN.heapUsed, added),
        externalPerConnKB: perConnKB(memBaseline.external, memN.external, added),
        kernelPerConnKB: perConnKB(kernelBaseline.memPages * 4096, kernelN.memPages * 4096, added),
        rssAtNMB: round(memN.rss / 2 ** 20, 1),
        atBaseline: memBaseline,
        atN: memN,
      },
      idle: { windowMs: round(idleWindowMs), cpuMs: round(idleUs / 1000), usPerConnPerS: round(idleUsPerS / opts.n, 3) },
      targeted,
      contention,
      fanout50,
      broadcast,
      burst: { messages: opts.burst, cpuUs: burstCpu.cpuUs, wallMs: round(burstCpu.wallMs), usPerMessage, lost: burstRecv.lost, misdelivered: burstRecv.misdelivered },
      generator,
      heapSnapshot,
      cpuProfileDir: profileDir,
      loadAverage: { start: loadStart, end: round(loadavg()[0]) },
    };
  } finally {
    if (generatorProcess) await stopChild(generatorProcess);
    if (server) await stopChild(server);
    rmSync(work, { recursive: true, force: true });
  }
}

export async function runRealtime(opts: Options): Promise<RealtimeResult> {
  const targets: TargetResult[] = [];
  for (const [index, key] of opts.targets.entries()) {
    const t0 = performance.now();
    targets.push(await runTarget(key, index, opts));
    log(key, `done in ${round((performance.now() - t0) / 1000, 1)} s`);
  }
  return { targets };
}


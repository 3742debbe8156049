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
import { callAdmin, type BurstCpu, type CpuReport, type LoopDelay, type MemoryReport } from './admin.ts';
import { FAN_SIZE } from './fixtures.ts';
import { BENCH_DIR, type Options, type TargetKey } from './options.ts';
import { GeneratorClient, schedstat, sockstat, spawnNode, stopChild, waitForMessage } from './process.ts';
import type { AwaitResult, ConnectResult, FanoutResult, PostTarget, StatusResult, StreamKind, TargetedResult } from './protocol.ts';
import { seedRealtime } from './seed.ts';
import { startNodeFlags } from '../scripts/start-flags.ts';
import { vmRss } from './large-group.ts';
import { percentile, round } from './stats.ts';

type Spec = { key: TargetKey; label: string; kind: StreamKind; script: string; path: string; chipin: boolean; floor?: TargetKey };

export const SPECS: Record<TargetKey, Spec> = {
  'chipin-sse': {
    key: 'chipin-sse',
    label: 'Chipin SSE',
    kind: 'sse',
    script: 'chipin-server.ts',
    path: '/api/notifications/stream',
    chipin: true,
    floor: 'node-sse',
  },
  'chipin-ws': {
    key: 'chipin-ws',
    label: 'Chipin WebSocket',
    kind: 'ws',
    script: 'chipin-server.ts',
    path: '/api/notifications/ws',
    chipin: true,
    floor: 'ws',
  },
  'node-sse': {
    key: 'node-sse',
    label: 'node:http SSE (bare)',
    kind: 'sse',
    script: 'reference/sse-server.ts',
    path: '/api/notifications/stream',
    chipin: false,
  },
  'node-sse-detached': {
    key: 'node-sse-detached',
    label: 'node:http SSE, socket detached (probe)',
    kind: 'sse',
    script: 'reference/sse-detached-server.ts',
    path: '/api/notifications/stream',
    chipin: false,
  },
  ws: { key: 'ws', label: 'ws (bare)', kind: 'ws', script: 'reference/ws-server.ts', path: '/api/notifications/ws', chipin: false },
  socketio: {
    key: 'socketio',
    label: 'Socket.IO (websocket only)',
    kind: 'socketio',
    script: 'reference/socketio-server.ts',
    path: '/socket.io/?EIO=4&transport=websocket',
    chipin: false,
  },
};

export type TargetResult = {
  key: TargetKey;
  label: string;
  transport: StreamKind;
  connect: { baseline: ConnectResult; rest: ConnectResult };
  memory: {
    baseline: number;
    n: number;
    /**
     * What an operator sees: marginal VmRSS per stream from /proc/<pid>/status with no GC asked for, read
     * settleMs after the last stream opened, from the baseline to each of two sizes (a fixed cost that
     * shows at one size cannot pass for a marginal one). Read before the forced-GC figures at each size.
     */
    plain: {
      mid: number;
      rssPerConnKBAtMid: number;
      rssPerConnKBAtN: number;
      /**
       * The same marginals from a second baseline taken after a ramp (baseline → ramp streams): the first
       * baseline can still hold start-up garbage that a later ordinary collection returns, which reads as a
       * negative marginal (issue 13). Null when N leaves no room for a ramp below mid.
       */
      ramp: { at: number; rssPerConnKBAtMid: number; rssPerConnKBAtN: number } | null;
    };
    /** Marginal per stream after ordinary full GCs (V8's reserved heap included). */
    rssPerConnKB: number;
    heapTotalPerConnKB: number;
    heapPerConnKB: number;
    /** Marginal per stream after a compacting, memory-reducing GC: what is live. */
    rssCompactedPerConnKB: number;
    heapCompactedPerConnKB: number;
    externalPerConnKB: number;
    /** /proc/net/sockstat TCP mem: both ends of every loopback connection, and anything else on the machine. */
    kernelPerConnKB: number;
    rssAtNMB: number;
    atBaseline: { afterGc: MemoryReport; compacted: MemoryReport };
    atN: { afterGc: MemoryReport; compacted: MemoryReport };
  };
  /** One heartbeat period with N idle streams; the loop delay includes the monitor's 5 ms resolution. */
  idle: { windowMs: number; cpuMs: number; usPerConnPerS: number; loopDelayMs: LoopDelay };
  /** The unrecorded warm-up at the targeted rate (its losses count). */
  warmup: TargetedResult | undefined;
  targeted: TargetedResult;
  /** During the targeted phase: each side's event-loop delay, and how long each waited for a CPU (run queue). */
  contention: {
    /** The server's whole CPU during the phase (request, store, delivery, heartbeats) per request sent. */
    serverCpuUsPerDelivery: number;
    serverLoopDelayMs: LoopDelay;
    generatorLoopDelayMs: LoopDelay;
    serverRunQueueWaitMs: number;
    generatorRunQueueWaitMs: number;
  };
  fanout50: FanoutResult;
  broadcast: FanoutResult | undefined;
  /** Per round of `messages`; the medians over the rounds of main-thread and of process CPU per message. */
  burst: {
    messages: number;
    rounds: { cpuUs: number; mainThreadUs: number; wallMs: number; usPerMessage: number; processUsPerMessage: number }[];
    usPerMessage: number;
    processUsPerMessage: number;
    lost: number;
    misdelivered: number;
  };
  generator: StatusResult;
  heapSnapshot: string | undefined;
  cpuProfileDir: string | undefined;
  /** The machine's 1-minute load average when this server's run began and ended: other work skews timings. */
  loadAverage: { start: number; end: number };
};

export type RealtimeResult = { targets: TargetResult[] };

const started = performance.now();
const log = (key: string, message: string) =>
  console.error(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s [${key}] ${message}`);

/** Source addresses for the index-th server of a run: distinct per server, all in 127.0.0.x. */
function sourceAddresses(index: number): string[] {
  return Array.from({ length: 8 }, (_, j) => `127.0.0.${10 + index * 8 + j}`);
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

/** What every phase of one server's run needs. */
type Phase = {
  key: TargetKey;
  opts: Options;
  adminPort: number;
  gen: GeneratorClient;
  server: ChildProcess;
  generatorProcess: ChildProcess;
  /** Runs `work`, with a CPU profile of its window when --profile is on. */
  profiled: <T>(phase: string, work: () => Promise<T>) => Promise<T>;
};

type Memory = { afterGc: MemoryReport; compacted: MemoryReport };

/** Memory: marginal between the baseline and N streams, after GC, so the service's fixed memory does not count. */
async function measureMemory({ key, opts, adminPort, gen, server }: Phase, profileDir: string | undefined) {
  const connect = async (from: number, to: number) => {
    const r = await gen.call<ConnectResult>({ type: 'connect', from, to, concurrency: 100, timeoutMs: 30_000 });
    const seen = await waitConnections(adminPort, to, 15_000);
    log(
      key,
      `streams ${from}..${to}: opened ${r.opened}, failed ${r.failed} in ${r.ms} ms; server counts ${seen}${r.firstError ? `; first error: ${r.firstError}` : ''}`,
    );
    await sleep(opts.settleMs);
    return r;
  };
  // The plain readings come first at each size: the forced GCs of 'mem' must not tidy up before them.
  // (The one at the baseline runs before the added streams open, so their garbage is still theirs.)
  const settlePlain = () => sleep(Math.max(0, opts.plainSettleMs - opts.settleMs));
  const baseline = await connect(0, opts.baseline);
  await settlePlain();
  const plainBaseline = vmRss(server.pid!);
  const atBaseline = await callAdmin<Memory>(adminPort, 'mem');
  const kernelBaseline = sockstat();
  const mid = Math.max(opts.baseline + 1, Math.min(opts.n - 1, Math.round(opts.n / 2)));
  // The ramp opens as many streams again as the baseline, so the server has run its ordinary collections
  // under this very load before the second baseline is read (no GC is asked for).
  const rampAt = 2 * opts.baseline < mid ? 2 * opts.baseline : undefined;
  const toRamp = rampAt === undefined ? undefined : await connect(opts.baseline, rampAt);
  if (toRamp) await settlePlain();
  const plainRamp = rampAt === undefined ? undefined : vmRss(server.pid!);
  const toMid = await connect(rampAt ?? opts.baseline, mid);
  await settlePlain();
  const plainMid = vmRss(server.pid!);
  const toN = await connect(mid, opts.n);
  await settlePlain();
  const plainN = vmRss(server.pid!);
  const parts = [toRamp, toMid, toN].filter((r): r is ConnectResult => r !== undefined);
  const rest: ConnectResult = {
    ...toN,
    opened: parts.reduce((a, r) => a + r.opened, 0),
    failed: parts.reduce((a, r) => a + r.failed, 0),
    ms: parts.reduce((a, r) => a + r.ms, 0),
  };
  const atN = await callAdmin<Memory>(adminPort, 'mem');
  const kernelN = sockstat();
  const added = opts.n - opts.baseline;
  const memory: TargetResult['memory'] = {
    baseline: opts.baseline,
    n: opts.n,
    plain: {
      mid,
      rssPerConnKBAtMid: perConnKB(plainBaseline, plainMid, mid - opts.baseline),
      rssPerConnKBAtN: perConnKB(plainBaseline, plainN, added),
      ramp:
        rampAt === undefined || plainRamp === undefined
          ? null
          : {
              at: rampAt,
              rssPerConnKBAtMid: perConnKB(plainRamp, plainMid, mid - rampAt),
              rssPerConnKBAtN: perConnKB(plainRamp, plainN, opts.n - rampAt),
            },
    },
    rssPerConnKB: perConnKB(atBaseline.afterGc.rss, atN.afterGc.rss, added),
    heapTotalPerConnKB: perConnKB(atBaseline.afterGc.heapTotal, atN.afterGc.heapTotal, added),
    heapPerConnKB: perConnKB(atBaseline.afterGc.heapUsed, atN.afterGc.heapUsed, added),
    rssCompactedPerConnKB: perConnKB(atBaseline.compacted.rss, atN.compacted.rss, added),
    heapCompactedPerConnKB: perConnKB(atBaseline.compacted.heapUsed, atN.compacted.heapUsed, added),
    externalPerConnKB: perConnKB(atBaseline.compacted.external, atN.compacted.external, added),
    kernelPerConnKB: perConnKB(kernelBaseline.memPages * 4096, kernelN.memPages * 4096, added),
    rssAtNMB: round(atN.afterGc.rss / 2 ** 20, 1),
    atBaseline,
    atN,
  };
  log(
    key,
    `memory per stream: plain RSS (no GC) ${memory.plain.rssPerConnKBAtMid} KB at ${mid}, ${memory.plain.rssPerConnKBAtN} KB at ${opts.n}${memory.plain.ramp ? ` (from ${memory.plain.ramp.at}: ${memory.plain.ramp.rssPerConnKBAtMid} / ${memory.plain.ramp.rssPerConnKBAtN} KB)` : ''}; RSS ${memory.rssPerConnKB} KB after GC, ${memory.rssCompactedPerConnKB} KB compacted; heap used ${memory.heapCompactedPerConnKB} KB`,
  );
  let heapSnapshot: string | undefined;
  if (profileDir) {
    heapSnapshot = (
      await callAdmin<{ path: string }>(adminPort, 'heapSnapshot', { path: join(profileDir, `${key}-${opts.n}.heapsnapshot`) })
    ).path;
    log(key, `heap snapshot: ${heapSnapshot}`);
  }
  return { connect: { baseline, rest }, memory, heapSnapshot };
}

/** Idle: exactly one heartbeat period, so every server's heartbeat round falls in it once. */
async function measureIdle({ key, opts, adminPort }: Phase) {
  await callAdmin(adminPort, 'loopStart');
  const cpu0 = await callAdmin<CpuReport>(adminPort, 'cpu');
  await sleep(opts.heartbeatMs);
  const cpu1 = await callAdmin<CpuReport>(adminPort, 'cpu');
  // With nothing else to do, how late the event loop runs is the heartbeat's doing (and the machine's).
  const loopDelayMs = await callAdmin<LoopDelay>(adminPort, 'loopStop');
  const idleUs = cpu1.userUs + cpu1.systemUs - cpu0.userUs - cpu0.systemUs;
  const windowMs = cpu1.wallMs - cpu0.wallMs;
  log(
    key,
    `idle: ${round(idleUs / 1000)} ms CPU in ${round(windowMs)} ms; event-loop delay p99 ${loopDelayMs.p99} ms, max ${loopDelayMs.max} ms`,
  );
  return {
    usPerS: idleUs / (windowMs / 1000),
    mainThreadUsPerS: (cpu1.mainThreadUs - cpu0.mainThreadUs) / (windowMs / 1000),
    result: {
      windowMs: round(windowMs),
      cpuMs: round(idleUs / 1000),
      usPerConnPerS: round(idleUs / (windowMs / 1000) / opts.n, 3),
      loopDelayMs,
    },
  };
}

/** Targeted delivery, with what the machine did meanwhile: who waited for a CPU, and how late each event loop ran. */
async function measureTargeted({ key, opts, adminPort, gen, server, generatorProcess, profiled }: Phase) {
  // Warm-up at the same rate: the request path's first runs are interpreted and compiled as they go (a
  // stall of tens of ms that any restart pays once), which is not what the targeted figure is about.
  // Its deliveries are still checked: a loss here counts like any other.
  let warmup: TargetedResult | undefined;
  if (opts.warmupS > 0) {
    warmup = await gen.call<TargetedResult>({
      type: 'targeted',
      rate: opts.rate,
      durationMs: opts.warmupS * 1000,
      receivers: opts.n,
      drainMs: 10_000,
      maxInFlight: 5000,
    });
    log(
      key,
      `warm-up: ${warmup.received}/${warmup.sent}, p99 ${warmup.latencyMs.p99} ms, max ${warmup.latencyMs.max} ms, lost ${warmup.lost}, errors ${warmup.postErrors}`,
    );
  }
  const sched0 = { server: schedstat(server.pid), generator: schedstat(generatorProcess.pid) };
  await callAdmin(adminPort, 'loopStart');
  const cpu0 = await callAdmin<CpuReport>(adminPort, 'cpu');
  const targeted = await profiled('targeted', () =>
    gen.call<TargetedResult>({
      type: 'targeted',
      rate: opts.rate,
      durationMs: opts.durationS * 1000,
      receivers: opts.n,
      drainMs: 10_000,
      maxInFlight: 5000,
    }),
  );
  const cpu1 = await callAdmin<CpuReport>(adminPort, 'cpu');
  const serverLoop = await callAdmin<LoopDelay>(adminPort, 'loopStop');
  const sched1 = { server: schedstat(server.pid), generator: schedstat(generatorProcess.pid) };
  const contention: TargetResult['contention'] = {
    serverCpuUsPerDelivery: round((cpu1.userUs + cpu1.systemUs - cpu0.userUs - cpu0.systemUs) / Math.max(1, targeted.sent)),
    serverLoopDelayMs: serverLoop,
    generatorLoopDelayMs: targeted.generatorLoopDelayMs,
    serverRunQueueWaitMs: round(sched1.server.waitMs - sched0.server.waitMs),
    generatorRunQueueWaitMs: round(sched1.generator.waitMs - sched0.generator.waitMs),
  };
  log(
    key,
    `targeted: ${targeted.received}/${targeted.sent} at ${targeted.achievedRate}/s, p50 ${targeted.latencyMs.p50} ms, p99 ${targeted.latencyMs.p99} ms, max ${targeted.latencyMs.max} ms, ` +
      `lost ${targeted.lost}, misdelivered ${targeted.misdelivered}, errors ${targeted.postErrors}${targeted.firstPostError ? ` (${targeted.firstPostError})` : ''}; ` +
      `${targeted.over10ms} over 10 ms, slowest at ${targeted.worst.map((w) => `${w.atMs} ms: ${w.latencyMs}`).join(', ')}`,
  );
  log(
    key,
    `server CPU ${contention.serverCpuUsPerDelivery} µs per delivery (all of it); event-loop delay max: server ${serverLoop.max} ms, generator ${targeted.generatorLoopDelayMs.max} ms; ` +
      `waiting for a CPU: server ${contention.serverRunQueueWaitMs} ms, generator ${contention.generatorRunQueueWaitMs} ms`,
  );
  return { targeted, contention, warmup };
}

async function measureFanout({ key, opts, gen }: Phase, broadcastToo: boolean) {
  const fanout50 = await gen.call<FanoutResult>({
    type: 'fanout',
    phase: 'fan',
    reps: opts.fanReps,
    size: Math.min(FAN_SIZE, opts.n),
    gapMs: 100,
    timeoutMs: 10_000,
  });
  log(
    key,
    `fan-out ${fanout50.size}: last receipt p50 ${fanout50.lastReceiptMs.p50} ms, max ${fanout50.lastReceiptMs.max} ms, lost ${fanout50.lost}`,
  );
  if (!broadcastToo) return { fanout50, broadcast: undefined };
  const broadcast = await gen.call<FanoutResult>({
    type: 'fanout',
    phase: 'all',
    reps: opts.broadcastReps,
    size: opts.n,
    gapMs: opts.settleMs,
    timeoutMs: 30_000,
  });
  log(
    key,
    `broadcast ${broadcast.size}: last receipt p50 ${broadcast.lastReceiptMs.p50} ms, max ${broadcast.lastReceiptMs.max} ms, lost ${broadcast.lost}`,
  );
  return { fanout50, broadcast };
}

/**
 * CPU per delivered message in the publish-to-socket path, on the main thread where that path runs, minus
 * what the main thread burns idle meanwhile. (The process's CPU is kept too: it also counts other threads,
 * e.g. Chipin's checkpointer copying the rows the burst was prepared with, which is store work.)
 * Several rounds, the median kept: one round's figure moves with whatever else the machine does.
 */
async function measureBurst(
  { key, opts, adminPort, gen, profiled }: Phase,
  idle: { usPerS: number; mainThreadUsPerS: number },
): Promise<TargetResult['burst']> {
  const rounds: TargetResult['burst']['rounds'] = [];
  let lost = 0;
  let misdelivered = 0;
  const perMessage = (us: number, idleUsPerS: number, wallMs: number) => round((us - (idleUsPerS * wallMs) / 1000) / opts.burst, 2);
  for (let r = 0; r < opts.burstRounds; r++) {
    await gen.call({ type: 'expect', phase: 'burst', count: opts.burst, users: opts.n });
    const cpu = await profiled(`burst-${r}`, () =>
      callAdmin<BurstCpu>(adminPort, 'burst', { count: opts.burst, users: opts.n, chunk: 500 }),
    );
    const recv = await gen.call<AwaitResult>({ type: 'await', phase: 'burst', timeoutMs: 30_000 });
    lost += recv.lost;
    misdelivered += recv.misdelivered;
    rounds.push({
      cpuUs: cpu.cpuUs,
      mainThreadUs: cpu.mainThreadUs,
      wallMs: round(cpu.wallMs),
      usPerMessage: perMessage(cpu.mainThreadUs, idle.mainThreadUsPerS, cpu.wallMs),
      processUsPerMessage: perMessage(cpu.cpuUs, idle.usPerS, cpu.wallMs),
    });
  }
  const median = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    );
  const usPerMessage = median(rounds.map((r) => r.usPerMessage));
  const processUsPerMessage = median(rounds.map((r) => r.processUsPerMessage));
  log(
    key,
    `burst: ${opts.burstRounds} × ${opts.burst} messages, main-thread µs/message ${rounds.map((r) => r.usPerMessage).join(', ')} (median ${usPerMessage}); ` +
      `process ${processUsPerMessage}; lost ${lost}, misdelivered ${misdelivered}`,
  );
  return { messages: opts.burst, rounds, usPerMessage, processUsPerMessage, lost, misdelivered };
}

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
      Object.assign(env, {
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        RATE_LIMIT: 'off',
        LOG_LEVEL: opts.logLevel,
        METRICS_PUBLIC: 'off',
      });
    }
    // Chipin runs with the flags of `npm start` (a bounded young generation): the memory it reports is production's.
    const nodeArgs = ['--expose-gc', ...(spec.chipin ? startNodeFlags() : [])];
    if (profileDir) {
      mkdirSync(profileDir, { recursive: true });
      if (spec.chipin) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
    }
    server = spawnNode(join(BENCH_DIR, spec.script), nodeArgs, env);
    const { port, adminPort } = await waitForMessage<{ port: number; adminPort: number }>(
      server,
      (m) => m.type === 'ready',
      30_000,
      `${key} server`,
    );

    // A larger young generation: fewer scavenges in the generator while it times deliveries.
    generatorProcess = spawnNode(join(BENCH_DIR, 'load-generator.ts'), ['--max-semi-space-size=64'], {});
    await waitForMessage(generatorProcess, (m) => m.type === 'ready', 30_000, 'generator');
    const gen = new GeneratorClient(600_000, generatorProcess);
    const post: PostTarget = spec.chipin
      ? { kind: 'chipin', host: '127.0.0.1', port, salt }
      : { kind: 'reference', host: '127.0.0.1', port: adminPort };
    await gen.call({
      type: 'init',
      target: { kind: spec.kind, host: '127.0.0.1', port, path: spec.path, salt, localAddresses: sourceAddresses(index) },
      post,
    });

    const phase: Phase = {
      key,
      opts,
      adminPort,
      gen,
      server,
      generatorProcess,
      // With --profile, each timed phase also gets a profile of its own window (its timings then carry the
      // profiler's overhead: a profiled run is evidence, not the record).
      profiled: async (name, run) => {
        if (!profileDir) return run();
        await callAdmin(adminPort, 'profileStart');
        try {
          return await run();
        } finally {
          await callAdmin(adminPort, 'profileStop', { path: join(profileDir, `${key}-${name}.cpuprofile`) });
        }
      },
    };
    const { connect, memory, heapSnapshot } = await measureMemory(phase, profileDir);
    const idle = await measureIdle(phase);
    const { targeted, contention, warmup } = await measureTargeted(phase);
    const { fanout50, broadcast } = await measureFanout(phase, !spec.chipin);
    const burst = await measureBurst(phase, idle);

    const generator = await gen.call<StatusResult>({ type: 'status' });
    await gen.call({ type: 'close' }).catch(() => undefined);
    await stopChild(generatorProcess);
    await stopChild(server);
    if (profileDir) log(key, `CPU profiles in ${profileDir}`);
    return {
      key,
      label: spec.label,
      transport: spec.kind,
      connect,
      memory,
      idle: idle.result,
      warmup,
      targeted,
      contention,
      fanout50,
      broadcast,
      burst,
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

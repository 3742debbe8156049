// The loopback admin endpoint every server under test runs beside its real port: memory after GC, CPU
// counters, connection counts, heap snapshots, and (reference servers) publishing. It is a separate listener
// so its requests never count as streams, and it exists only in bench/: nothing of it is in src/.
import { createServer, type IncomingMessage } from 'node:http';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';

export type AdminHandlers = Record<string, (body: Record<string, unknown>) => Promise<unknown> | unknown>;

export type MemoryReport = { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
/** Process CPU (every thread: GC helpers, workers such as SQLite's checkpointer) and the main thread's alone. */
export type CpuReport = { userUs: number; systemUs: number; mainThreadUs: number; wallMs: number };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

type GcOptions = { type: 'major' | 'minor'; execution: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' };

function gc(options?: GcOptions) {
  const g = (globalThis as { gc?: (options?: GcOptions) => void }).gc;
  if (!g) throw new Error('start the server with --expose-gc');
  g(options);
}

const usage = (): MemoryReport => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
};

/**
 * Memory after full collections, twice over: `afterGc` after ordinary full collections (what the process
 * holds once its garbage is collected, V8's reserved heap included), then `compacted` after V8's
 * memory-reducing "last resort" collection, which also compacts sparse pages and gives them back (what is
 * live). They differ by the heap V8 keeps reserved after the garbage of connection set-up: a server that
 * stays idle long enough converges to the second as V8's memory reducer runs.
 */
export async function memoryAfterGc(): Promise<{ afterGc: MemoryReport; compacted: MemoryReport }> {
  for (let i = 0; i < 2; i++) {
    gc();
    await sleep(30);
  }
  const afterGc = usage();
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  await sleep(30);
  return { afterGc, compacted: usage() };
}

export type LoopDelay = { p50: number; p99: number; max: number };

/** The histogram is in ns and includes the sampling resolution itself; reported in ms. */
export function loopDelayMs(h: ELDHistogram): LoopDelay {
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
}

export function cpuNow(): CpuReport {
  const c = process.cpuUsage();
  const t = process.threadCpuUsage();
  return { userUs: c.user, systemUs: c.system, mainThreadUs: t.user + t.system, wallMs: performance.now() };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Starts the admin listener on 127.0.0.1 and returns its port. Every route is POST /<name> with a JSON body. */
export async function startAdmin(handlers: AdminHandlers): Promise<number> {
  // CPU profiles of one phase at a time (V8's sampling profiler, as --cpu-prof uses, with a window).
  let session: Session | undefined;
  let loop: ELDHistogram | undefined;
  const all: AdminHandlers = {
    // How late the event loop ran during a phase: a stall in the server shows here, one elsewhere does not.
    loopStart: () => {
      loop?.disable();
      loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      return undefined;
    },
    loopStop: () => {
      if (!loop) throw new Error('no loop monitor running');
      loop.disable();
      const r = loopDelayMs(loop);
      loop = undefined;
      return r;
    },
    profileStart: async () => {
      session ??= new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      return undefined;
    },
    profileStop: async (body) => {
      if (!session) throw new Error('no profile running');
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      writeFileSync(String(body.path), JSON.stringify(profile));
      return { path: body.path };
    },
    mem: memoryAfterGc,
    cpu: cpuNow,
    heapSnapshot: async (body) => {
      await memoryAfterGc();
      return { path: writeHeapSnapshot(String(body.path)) };
    },
    ...handlers,
  };
  const server = createServer(async (req, res) => {
    try {
      if (!LOOPBACK.test(req.socket.remoteAddress ?? '')) throw new Error('loopback only');
      const handler = all[(req.url ?? '/').slice(1)];
      if (req.method !== 'POST' || !handler) {
        res.writeHead(404).end();
        return;
      }
      const result = await handler(await readJson(req));
      if (result === undefined) res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String((e as Error).stack ?? e));
    }
  });
  // Several requests per ms during the targeted phase (reference servers): keep connections alive.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return (server.address() as AddressInfo).port;
}

/** Tells the orchestrator where to reach us; exits when it goes away, so no server outlives a run. */
export function announce(message: Record<string, unknown>) {
  if (!process.send) throw new Error('run under the benchmark orchestrator (IPC channel missing)');
  process.send({ type: 'ready', ...message });
  process.on('disconnect', () => process.exit(0));
}

export type BurstCpu = { cpuUs: number; mainThreadUs: number; wallMs: number };

/**
 * Runs `handler` in chunks, yielding between them, and returns the CPU it took: the process's, and the
 * main thread's, where the publish-to-socket path runs (other threads may be busy with unrelated work,
 * such as Chipin's SQLite checkpointer copying the rows the burst was prepared with).
 */
export async function timedChunks(count: number, chunk: number, handler: (i: number) => void): Promise<BurstCpu> {
  // The garbage of preparing the burst (store rows, prebuilt data) is collected before, not during, the timing.
  gc();
  const thread0 = process.threadCpuUsage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i += chunk) {
    const end = Math.min(count, i + chunk);
    for (let k = i; k < end; k++) handler(k);
    // Write callbacks run on the next ticks; yielding also lets the event loop breathe, as a real publisher would.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  const cpu = process.cpuUsage(cpu0);
  const thread = process.threadCpuUsage(thread0);
  return { cpuUs: cpu.user + cpu.system, mainThreadUs: thread.user + thread.system, wallMs: performance.now() - t0 };
}

/** The orchestrator's side: POST /<name> to a server's admin port. */
export async function callAdmin<T>(port: number, name: string, body: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${name}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

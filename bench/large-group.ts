// The large-group scenario (issue 13): `members` users in ONE group, `streams` SSE streams each (raw
// sockets, Bearer tokens), and bills at `rate`/s by members of that group, each owed by one other member.
// Reports the targeted POST→receipt latency (on the receiver's first stream), what was lost, the
// group.updated hints written per stream per second, and the server's plain RSS (VmRSS from /proc, no
// forced GC). Chipin runs in a child process (bench/chipin-server.ts); bills and the timed first streams
// come from this thread, the other streams from a worker (bench/large-group-streams.ts).
//
//   node bench/large-group.ts [--members 500] [--streams 10] [--rate 100] [--duration 10]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../src/config.ts';
import { openStore } from '../src/store/open.ts';
import { benchId } from './fixtures.ts';
import { BENCH_DIR } from './options.ts';
import { spawnNode, stopChild, waitForMessage } from './process.ts';
import { startNodeFlags } from '../scripts/start-flags.ts';
import { seedGroup, seedUser } from './seed.ts';
import { percentile, round } from './stats.ts';
import { openAll, type StreamSpec, type WorkerCommand, type WorkerReply } from './large-group-streams.ts';

/**
 * The bench's own HTTP client, JIT-warmed on a throwaway loopback server before the first timed bill: its
 * cold start (the first requests of a process take milliseconds) is the bench's, not Chipin's. Chipin
 * gets no warm-up: its first bills after the streams opened are timed like the rest.
 */
async function warmHttpClient(requests = 300) {
  const dummy = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => dummy.listen(0, '127.0.0.1', resolve));
  const { port } = dummy.address() as AddressInfo;
  const body = JSON.stringify({ description: 'warm-up', amount: 200, split: { mode: 'exact', amounts: { a: 100, b: 100 } } });
  for (let i = 0; i < requests; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: { authorization: 'Bearer warm-up', 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
  await new Promise((resolve) => dummy.close(resolve));
}

/** The worker's replies, taken in order by type. */
function workerReplies(worker: Worker) {
  const queue: WorkerReply[] = [];
  let waiting: ((r: WorkerReply) => void) | undefined;
  worker.on('message', (r: WorkerReply) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(r);
    } else queue.push(r);
  });
  return {
    next(type: WorkerReply['type']): Promise<WorkerReply> {
      const r = queue.shift();
      if (r) return Promise.resolve(r);
      return new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        worker.once('error', onError);
        waiting = (reply) => {
          worker.off('error', onError);
          if (reply.type !== type && reply.type !== 'failed') reject(new Error(`large-group worker: ${reply.type}, not ${type}`));
          else resolve(reply);
        };
      });
    },
  };
}

export type LargeGroupOptions = { members: number; streams: number; rate: number; durationS: number; drainMs: number };
export type LargeGroupResult = LargeGroupOptions & {
  opened: number;
  sent: number;
  received: number;
  lost: number;
  postErrors: number;
  latencyMs: { p50: number; p99: number; max: number };
  hintsPerStreamPerS: { mean: number; max: number };
  rssMB: number;
};

const memberId = (i: number) => benchId('g', i);
const GROUP_ID = benchId('G', 0);
const MARK = /"description":"lg:(\d+)"/;

/** VmRSS of a process, in bytes, as the operating system reports it (no GC asked for). */
export function vmRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

export async function runLargeGroup(o: LargeGroupOptions): Promise<LargeGroupResult> {
  const salt = randomBytes(6).toString('hex');
  const token = (i: number) => `bench_${salt}_g${i}`;
  const work = mkdtempSync(join(tmpdir(), 'chipin-bench-large-group-'));
  const databaseUrl = `sqlite:${join(work, 'chipin.db')}`;
  const store = await openStore(parseConfig({ DATABASE_URL: databaseUrl }));
  await store.transaction(async (tx) => {
    for (let i = 0; i < o.members; i++) await seedUser(tx, memberId(i), `Member ${i}`, token(i));
    await seedGroup(
      tx,
      GROUP_ID,
      'Large group',
      Array.from({ length: o.members }, (_, i) => memberId(i)),
    );
  });
  await store.close();
  const server = spawnNode(join(BENCH_DIR, 'chipin-server.ts'), startNodeFlags(), {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    RATE_LIMIT: 'off',
    LOG_LEVEL: 'warn',
    METRICS_PUBLIC: 'off',
    MAX_STREAMS_PER_USER: String(Math.max(16, o.streams)),
    STREAM_OPEN_LIMIT_PER_USER: '1000000',
  });
  const sockets: Socket[] = [];
  let worker: Worker | undefined;
  try {
    const { port } = await waitForMessage<{ port: number }>(server, (m) => m.type === 'ready', 30_000, 'chipin server');
    const hints: number[] = [];
    const pending = new Map<number, { receiver: number; start: number }>();
    const latencies: number[] = [];
    const spec = (member: number, k: number): StreamSpec => ({ port, token: token(member), label: `${member}/${k}` });
    // Each member's first stream times that member's bills, on this thread; the others only count hints,
    // on a worker (./large-group-streams.ts says why).
    const timed = (member: number) => {
      let text = '';
      return (chunk: string) => {
        text += chunk;
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          if (!frame.includes('event: bill.created')) continue;
          const seq = Number(MARK.exec(frame)?.[1]);
          const p = pending.get(seq);
          if (p && p.receiver === member) {
            latencies.push(performance.now() - p.start);
            pending.delete(seq);
          }
        }
      };
    };
    await openAll(
      Array.from({ length: o.members }, (_, i) => spec(i, 0)),
      hints,
      sockets,
      timed,
    );
    const others: StreamSpec[] = [];
    for (let k = 1; k < o.streams; k++) for (let i = 0; i < o.members; i++) others.push(spec(i, k));
    worker = new Worker(new URL('./large-group-streams.ts', import.meta.url), { workerData: others });
    const replies = workerReplies(worker);
    const opened = await replies.next('opened');
    if (opened.type !== 'opened') throw new Error(`large-group worker: ${opened.type === 'failed' ? opened.error : opened.type}`);
    await sleep(1000);
    hints.fill(0);
    worker.postMessage({ type: 'reset' } satisfies WorkerCommand);
    // Bills at a steady rate: payer i, owed by i+1 (mod members).
    let sent = 0;
    let postErrors = 0;
    const post = (seq: number) => {
      const payer = seq % o.members;
      const receiver = (payer + 1) % o.members;
      const body = JSON.stringify({
        description: `lg:${seq}`,
        amount: 200,
        split: { mode: 'exact', amounts: { [memberId(payer)]: 100, [memberId(receiver)]: 100 } },
      });
      pending.set(seq, { receiver, start: performance.now() });
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/groups/${GROUP_ID}/bills`,
          headers: { authorization: `Bearer ${token(payer)}`, 'content-type': 'application/json' },
        },
        (res) => {
          if (res.statusCode !== 201) postErrors++;
          res.resume();
        },
      );
      req.on('error', () => postErrors++);
      req.end(body);
    };
    await warmHttpClient();
    const started = performance.now();
    const total = Math.round(o.rate * o.durationS);
    for (let seq = 0; seq < total; seq++) {
      const due = started + (seq * 1000) / o.rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      post(seq);
      sent++;
    }
    const windowS = (performance.now() - started) / 1000;
    worker.postMessage({ type: 'counts' } satisfies WorkerCommand);
    const counts = await replies.next('counts');
    const hintsAtEnd = [...hints, ...(counts.type === 'counts' ? counts.hints : [])];
    const rss = vmRss(server.pid!);
    const drainEnd = performance.now() + o.drainMs;
    while (pending.size > 0 && performance.now() < drainEnd) await sleep(50);
    const sorted = [...latencies].sort((a, b) => a - b);
    const perStream = hintsAtEnd.map((h) => h / windowS);
    return {
      ...o,
      opened: sockets.length + opened.count,
      sent,
      received: latencies.length,
      lost: pending.size,
      postErrors,
      latencyMs: { p50: round(percentile(sorted, 50), 2), p99: round(percentile(sorted, 99), 2), max: round(sorted.at(-1) ?? 0, 2) },
      hintsPerStreamPerS: {
        mean: round(perStream.reduce((a, b) => a + b, 0) / Math.max(1, perStream.length), 2),
        max: round(Math.max(0, ...perStream), 2),
      },
      rssMB: round(rss / 2 ** 20, 1),
    };
  } finally {
    for (const s of sockets) s.destroy();
    worker?.postMessage({ type: 'close' } satisfies WorkerCommand);
    await worker?.terminate();
    await stopChild(server);
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { members: { type: 'string' }, streams: { type: 'string' }, rate: { type: 'string' }, duration: { type: 'string' } },
  });
  const result = await runLargeGroup({
    members: Number(values.members ?? 500),
    streams: Number(values.streams ?? 10),
    rate: Number(values.rate ?? 100),
    durationS: Number(values.duration ?? 10),
    drainMs: 5000,
  });
  console.log(JSON.stringify(result, null, 2));
}

// The large-group scenario (issue 13): `members` users in ONE group, `streams` SSE streams each (raw
// sockets, Bearer tokens), and bills at `rate`/s by members of that group, each owed by one other member.
// Reports the targeted POST→receipt latency (on the receiver's first stream), what was lost, the
// group.updated hints written per stream per second, and the server's plain RSS (VmRSS from /proc, no
// forced GC). Chipin runs in a child process (bench/chipin-server.ts); streams and bills come from here.
//
//   node bench/large-group.ts [--members 500] [--streams 10] [--rate 100] [--duration 10]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
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
  try {
    const { port } = await waitForMessage<{ port: number }>(server, (m) => m.type === 'ready', 30_000, 'chipin server');
    const hints: number[] = [];
    const pending = new Map<number, { receiver: number; start: number }>();
    const latencies: number[] = [];
    let opened = 0;
    // One stream per (member, k); the first stream of each member times its bills. Raw sockets, as the
    // issue's outside check opens them, read as bytes: only the first streams' text is decoded.
    const HINT = Buffer.from('event: group.updated');
    const open = (member: number, k: number) =>
      new Promise<void>((resolve, reject) => {
        const slot = hints.push(0) - 1;
        const socket = connect(port, '127.0.0.1');
        sockets.push(socket);
        let head = true;
        let raw = Buffer.alloc(0);
        // The end of the previous chunk, so a marker split across two chunks is still counted once.
        let tail = Buffer.alloc(0);
        let text = '';
        socket.on('error', reject);
        socket.on('data', (chunk: Buffer) => {
          let body = chunk;
          if (head) {
            raw = Buffer.concat([raw, chunk]);
            const end = raw.indexOf('\r\n\r\n');
            if (end < 0) return;
            const status = raw.subarray(0, 12).toString('latin1');
            if (status !== 'HTTP/1.1 200') return reject(new Error(`stream ${member}/${k}: ${status}`));
            head = false;
            opened++;
            resolve();
            body = raw.subarray(end + 4);
          }
          const data = tail.length ? Buffer.concat([tail, body]) : body;
          for (let at = data.indexOf(HINT); at >= 0; at = data.indexOf(HINT, at + HINT.length)) hints[slot]++;
          // Keep what could be the start of a marker cut off by the chunk's end (and not counted yet).
          const lastHint = data.lastIndexOf(HINT);
          tail = Buffer.from(data.subarray(Math.max(data.length - HINT.length + 1, lastHint >= 0 ? lastHint + HINT.length : 0, 0)));
          if (k !== 0) return;
          text += body.toString('utf8');
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
        });
        socket.write(
          `GET /api/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token(member)}\r\nAccept: text/event-stream\r\n\r\n`,
        );
      });
    for (let k = 0; k < o.streams; k++) {
      for (let start = 0; start < o.members; start += 100) {
        await Promise.all(Array.from({ length: Math.min(100, o.members - start) }, (_, j) => open(start + j, k)));
      }
    }
    await sleep(1000);
    hints.fill(0);
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
    const hintsAtEnd = [...hints];
    const rss = vmRss(server.pid!);
    const drainEnd = performance.now() + o.drainMs;
    while (pending.size > 0 && performance.now() < drainEnd) await sleep(50);
    const sorted = [...latencies].sort((a, b) => a - b);
    const perStream = hintsAtEnd.map((h) => h / windowS);
    return {
      ...o,
      opened,
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

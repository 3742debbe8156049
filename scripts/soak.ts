// `npm run soak -- --minutes 10`: a long run (not part of npm test). The server runs as its own process;
// bills flow at a steady rate while stream clients churn (connect over SSE or WebSocket, receive,
// disconnect, come back with their last id). Every 10 s the server's RSS and heap are sampled from
// /metrics. It fails if memory keeps growing after the warm-up, if any client misses or repeats a
// notification, or if the server still holds streams once every client has gone.
//
// Options: --minutes (10), --users (24, in groups of 4), --clients-per-user (2), --rate (20 requests/s:
// bill creations, and payments of parts owed),
// --warmup-minutes (a third of the run, at most 2), --sample-seconds (10).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, register, type TestUser } from '../test/support/api.ts';
import { openSse, openWs, type StreamClient } from '../test/support/streams.ts';
import { startChildServer } from '../test/hardening/child-server.ts';

const { values: opt } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    users: { type: 'string', default: '24' },
    'clients-per-user': { type: 'string', default: '2' },
    rate: { type: 'string', default: '20' },
    'warmup-minutes': { type: 'string' },
    'sample-seconds': { type: 'string', default: '10' },
  },
});
const MINUTES = Number(opt.minutes);
const USERS = Number(opt.users);
const CLIENTS_PER_USER = Number(opt['clients-per-user']);
const REQUESTS_PER_SECOND = Number(opt.rate);
const WARMUP_MS = Number(opt['warmup-minutes'] ?? Math.min(2, MINUTES / 3)) * 60_000;
const SAMPLE_MS = Number(opt['sample-seconds']) * 1000;
const GROUP_SIZE = 4;
for (const [k, v] of Object.entries({ MINUTES, USERS, CLIENTS_PER_USER, REQUESTS_PER_SECOND, WARMUP_MS, SAMPLE_MS })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`soak: ${k} must be a positive number`);
}
/**
 * Memory "keeps growing" when its floor (the lowest sample, i.e. after a collection) rises from each third of
 * the run after the warm-up to the next, by more than the margin in all. Heap used and external memory are
 * what a leak grows; RSS also follows V8 resizing its heap (it grows for minutes under steady allocation,
 * then shrinks), so it is judged with a wider margin.
 */
const LIMITS = {
  heap: { ratio: 0.2, bytes: 10 * 2 ** 20 },
  external: { ratio: 0.2, bytes: 10 * 2 ** 20 },
  rss: { ratio: 0.5, bytes: 64 * 2 ** 20 },
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const random = (n: number) => Math.floor(Math.random() * n);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

type Sample = {
  t: number;
  rss: number;
  heap: number;
  heapTotal: number;
  external: number;
  streams: number;
  bills: number;
  connects: number;
};

const dir = mkdtempSync(join(tmpdir(), 'chipin-soak-'));
const server = await startChildServer({ DATABASE_URL: `sqlite:${join(dir, 'chipin.db')}` });
const base = server.url;
const problems: string[] = [];
const problem = (p: string) => {
  if (problems.length < 50) problems.push(p);
};

try {
  console.log(
    `soak: ${MINUTES} min, ${USERS} users × ${CLIENTS_PER_USER} churning clients, ${REQUESTS_PER_SECOND} requests/s, warm-up ${WARMUP_MS / 60_000} min, server ${base} (pid ${server.process.pid})`,
  );
  const users: TestUser[] = [];
  for (let i = 0; i < USERS; i++) users.push(await register(base, `Soak${i}`));
  const groups: { id: string; members: TestUser[] }[] = [];
  for (let i = 0; i < USERS; i += GROUP_SIZE) {
    const members = users.slice(i, i + GROUP_SIZE);
    if (members.length < 2) break;
    const g = await call(base, 'POST', '/api/groups', { token: members[0].token, body: { name: `Soak ${i / GROUP_SIZE}` } });
    for (const m of members.slice(1))
      await call(base, 'POST', `/api/groups/${g.body.group.id}/members`, { token: members[0].token, body: { email: m.email } });
    groups.push({ id: g.body.group.id, members });
  }

  const start = Date.now();
  const end = start + MINUTES * 60_000;
  const counts = { bills: 0, payments: 0, failed: 0, connects: 0, sse: 0, ws: 0, received: 0 };

  // Bills: a steady rate, each split among the owner and one to three others; about half the parts get paid.
  const owed: { billId: string; payer: TestUser }[] = [];
  async function billFlow() {
    const maxBills = Math.ceil(REQUESTS_PER_SECOND * MINUTES * 60 * 1.1);
    const lanes = Math.max(1, Math.ceil(REQUESTS_PER_SECOND / 10));
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        let next = Date.now();
        while (Date.now() < end && counts.bills + counts.payments < maxBills * 2) {
          next += (1000 * lanes) / REQUESTS_PER_SECOND;
          try {
            if (owed.length > 0 && lane % 2 === 1 && Math.random() < 0.5) {
              const { billId, payer } = owed.splice(random(owed.length), 1)[0];
              const r = await call(base, 'POST', `/api/bills/${billId}/pay`, { token: payer.token });
              if (r.status === 200) counts.payments++;
              else {
                counts.failed++;
                problem(`pay: ${r.status} ${JSON.stringify(r.body)}`);
              }
            } else {
              const g = groups[random(groups.length)];
              const owner = g.members[random(g.members.length)];
              const others = g.members.filter((m) => m !== owner).filter(() => Math.random() < 0.6);
              if (others.length === 0) others.push(g.members.find((m) => m !== owner)!);
              const r = await call(base, 'POST', `/api/groups/${g.id}/bills`, {
                token: owner.token,
                body: {
                  description: `soak ${counts.bills}`,
                  amount: 100 + random(100_000),
                  split: { mode: 'equal', among: [owner.id, ...others.map((o) => o.id)] },
                },
              });
              if (r.status !== 201) {
                counts.failed++;
                problem(`bill: ${r.status} ${JSON.stringify(r.body)}`);
              } else {
                counts.bills++;
                for (const o of others) if (Math.random() < 0.5 && owed.length < 10_000) owed.push({ billId: r.body.bill.id, payer: o });
              }
            }
          } catch (e) {
            counts.failed++;
            problem(`request failed: ${(e as Error).message}`);
          }
          const wait = next - Date.now();
          if (wait > 0) await sleep(wait);
          else next = Date.now(); // behind: do not burst to catch up
        }
      }),
    );
  }

  // Clients: connect, receive for a while, disconnect, come back from the last id; ids must run 1, 2, 3 … exactly.
  type Client = { user: TestUser; lastId: number; name: string };
  const clients: Client[] = users.flatMap((user, u) =>
    Array.from({ length: CLIENTS_PER_USER }, (_, c) => ({ user, lastId: 0, name: `${u}.${c}` })),
  );
  function take(client: Client, stream: StreamClient) {
    for (const r of stream.received) {
      if (r.event === 'reset' || r.event === 'evicted') {
        problem(`client ${client.name}: ${r.event} ${JSON.stringify(r.data)}`);
        continue;
      }
      if (r.id === undefined) continue; // group.updated
      const id = Number(r.id);
      if (id !== client.lastId + 1)
        problem(`client ${client.name}: got ${id} after ${client.lastId} (${id <= client.lastId ? 'a repeat' : 'a gap'})`);
      client.lastId = Math.max(client.lastId, id);
      counts.received++;
    }
  }
  async function session(client: Client, stayMs: number) {
    const useWs = Math.random() < 0.5;
    const opts = { lastEventId: String(client.lastId) };
    const stream = useWs ? openWs(base, client.user.token, opts) : openSse(base, client.user.token, opts);
    counts.connects++;
    counts[useWs ? 'ws' : 'sse']++;
    try {
      await Promise.race([stream.opened, sleep(10_000).then(() => Promise.reject(new Error('did not open within 10 s')))]);
      await sleep(stayMs);
    } catch (e) {
      problem(`client ${client.name}: ${(e as Error).message}`);
    } finally {
      stream.close();
      stream.opened.catch(() => undefined);
    }
    take(client, stream);
  }
  async function churn(client: Client) {
    while (Date.now() < end) {
      await session(client, 300 + random(4000));
      await sleep(random(1000));
    }
  }

  // Samples from the server's own /metrics (prom-client's process and heap gauges).
  const samples: Sample[] = [];
  async function sample() {
    const text = await (await fetch(`${base}/metrics`)).text();
    const gauge = (name: string) =>
      [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))].reduce((s, m) => s + Number(m[1]), 0);
    const s: Sample = {
      t: Date.now() - start,
      rss: gauge('process_resident_memory_bytes'),
      heap: gauge('nodejs_heap_size_used_bytes'),
      heapTotal: gauge('nodejs_heap_size_total_bytes'),
      external: gauge('nodejs_external_memory_bytes'),
      streams: gauge('chipin_stream_connections'),
      bills: counts.bills,
      connects: counts.connects,
    };
    samples.push(s);
    console.log(
      `soak: ${(s.t / 1000).toFixed(0).padStart(5)} s  rss ${mb(s.rss).padStart(6)} MB  heap ${mb(s.heap).padStart(6)} / ${mb(s.heapTotal).padStart(6)} MB  external ${mb(s.external).padStart(5)} MB  streams ${String(s.streams).padStart(3)}  bills ${s.bills}  connects ${s.connects}${s.t < WARMUP_MS ? '  (warm-up)' : ''}`,
    );
  }
  const sampler = (async () => {
    await sample();
    while (Date.now() < end) {
      await sleep(Math.min(SAMPLE_MS, Math.max(0, end - Date.now())));
      await sample();
    }
  })();

  await Promise.all([billFlow(), ...clients.map(churn), sampler]);

  // Every client comes back once more and must reach the user's newest id, with nothing missed or repeated.
  await sleep(500);
  const finalDeadline = Date.now() + 60_000;
  await Promise.all(
    clients.map(async (client) => {
      const inbox = await call(base, 'GET', '/api/notifications?limit=1', { token: client.user.token });
      const newest = Number(inbox.body.notifications[0]?.id ?? 0);
      const stream = openSse(base, client.user.token, { lastEventId: String(client.lastId) });
      try {
        await stream.opened;
        while (stream.notifications().length < newest - client.lastId && Date.now() < finalDeadline) await sleep(50);
        await sleep(100);
      } finally {
        stream.close();
      }
      take(client, stream);
      if (client.lastId !== newest)
        problem(`client ${client.name}: ended at ${client.lastId}, the user's newest is ${newest}: ${newest - client.lastId} lost`);
    }),
  );
  // Every disconnect frees its subscriber.
  let streamsLeft = -1;
  for (let i = 0; i < 50 && streamsLeft !== 0; i++) {
    await sleep(100);
    const text = await (await fetch(`${base}/metrics`)).text();
    streamsLeft = [...text.matchAll(/^chipin_stream_connections\{[^}]*\} ([0-9.e+-]+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
  }
  if (streamsLeft !== 0) problem(`the server still counts ${streamsLeft} open streams after every client left`);

  // Growth after the warm-up: the floor of each third of the samples against the one before.
  const steady = samples.filter((s) => s.t >= WARMUP_MS);
  const third = Math.max(1, Math.floor(steady.length / 3));
  const floors = (pick: (s: Sample) => number) =>
    [steady.slice(0, third), steady.slice(third, steady.length - third), steady.slice(-third)].map((part) => Math.min(...part.map(pick)));
  const slope = (pick: (s: Sample) => number) => {
    const n = steady.length;
    const mx = steady.reduce((s, x) => s + x.t, 0) / n;
    const my = steady.reduce((s, x) => s + pick(x), 0) / n;
    const num = steady.reduce((s, x) => s + (x.t - mx) * (pick(x) - my), 0);
    const den = steady.reduce((s, x) => s + (x.t - mx) ** 2, 0);
    return den === 0 ? 0 : (num / den) * 60_000; // bytes per minute
  };
  if (steady.length < 6) problem(`only ${steady.length} samples after the warm-up: run longer (--minutes) to judge memory`);
  const judged = { heap: (s: Sample) => s.heap, external: (s: Sample) => s.external, rss: (s: Sample) => s.rss };
  const floorsOf = Object.fromEntries(Object.entries(judged).map(([k, pick]) => [k, floors(pick)])) as Record<
    keyof typeof judged,
    number[]
  >;
  for (const [k, [a, b, c]] of Object.entries(floorsOf) as [keyof typeof judged, number[]][]) {
    const limit = LIMITS[k];
    if (a < b && b < c && c - a > Math.max(limit.bytes, a * limit.ratio))
      problem(`${k} keeps growing after the warm-up: floors ${mb(a)} → ${mb(b)} → ${mb(c)} MB`);
  }
  const range = (pick: (s: Sample) => number) => `${mb(Math.min(...steady.map(pick)))}–${mb(Math.max(...steady.map(pick)))} MB`;
  const describe = (k: keyof typeof judged) =>
    `${range(judged[k])}; floors by third ${floorsOf[k].map(mb).join(' → ')} MB; trend ${(slope(judged[k]) / 2 ** 20).toFixed(2)} MB/min`;
  const seconds = (Date.now() - start) / 1000;
  const summary = [
    `| Duration | ${(seconds / 60).toFixed(1)} min (warm-up ${WARMUP_MS / 60_000} min), ${steady.length} samples after it |`,
    `| Load | ${USERS} users in groups of ${GROUP_SIZE}, ${clients.length} churning clients |`,
    `| Bills created / paid parts | ${counts.bills} / ${counts.payments} (${(counts.bills / seconds).toFixed(1)} bills/s), ${counts.failed} failed requests |`,
    `| Stream connections | ${counts.connects} (${counts.sse} SSE, ${counts.ws} WebSocket), ${(counts.connects / seconds).toFixed(1)}/s |`,
    `| Notifications received | ${counts.received}, every client ending at its user's newest id with none missed or repeated: ${problems.some((p) => p.startsWith('client')) ? 'no' : 'yes'} |`,
    `| Heap used (after warm-up) | ${describe('heap')} |`,
    `| External memory (after warm-up) | ${describe('external')} |`,
    `| RSS (after warm-up) | ${describe('rss')}; V8 heap reserved ${range((s) => s.heapTotal)} |`,
    `| Streams left open after the clients left | ${streamsLeft} |`,
  ];
  console.log(`\n| Soak | |\n|---|---|\n${summary.join('\n')}\n`);
  if (problems.length > 0) {
    console.error(`soak: FAILED\n${problems.map((p) => `  ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('soak: passed');
  }
} finally {
  await server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

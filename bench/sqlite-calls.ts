// Where POST /bills spends its time in SQLite: every node:sqlite call timed and tallied by SQL text, while
// real HTTP requests run against a Chipin server in this process. Evidence for the API figures of
// docs/benchmarks.md, not part of `npm run bench` (the timing wrappers cost a little themselves).
//   node bench/sqlite-calls.ts [--requests 4000] [--concurrency 16]
import { DatabaseSync, StatementSync } from 'node:sqlite';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' } } });
const requests = Number(values.requests ?? 4000);
const concurrency = Number(values.concurrency ?? 16);

// The wrappers go in before the store opens its connection, so every statement it prepares is timed.
const tally = new Map<string, { calls: number; us: number }>();
const note = (key: string, t0: number) => {
  const v = tally.get(key) ?? { calls: 0, us: 0 };
  v.calls++;
  v.us += (performance.now() - t0) * 1000;
  tally.set(key, v);
};
const sqlOf = new WeakMap<object, string>();
const exec = DatabaseSync.prototype.exec;
DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
  const t0 = performance.now();
  try {
    return exec.call(this, sql);
  } finally {
    note(`exec ${sql.slice(0, 40)}`, t0);
  }
};
const prepare = DatabaseSync.prototype.prepare;
DatabaseSync.prototype.prepare = function (this: DatabaseSync, sql: string) {
  const statement = prepare.call(this, sql);
  sqlOf.set(statement, sql.replace(/\s+/g, ' ').slice(0, 72));
  return statement;
};
for (const method of ['run', 'get', 'all'] as const) {
  const original = StatementSync.prototype[method] as (...args: unknown[]) => unknown;
  Object.defineProperty(StatementSync.prototype, method, {
    value: function (this: StatementSync, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        note(`${method} ${sqlOf.get(this)}`, t0);
      }
    },
  });
}

const { parseConfig } = await import('../src/config.ts');
const { startServer } = await import('../src/server.ts');
const { seedGroup, seedUser } = await import('./seed.ts');
const { benchId } = await import('./fixtures.ts');

const dir = mkdtempSync(join(tmpdir(), 'chipin-sqlite-calls-'));
const server = await startServer(
  parseConfig({ DATABASE_URL: `sqlite:${join(dir, 'chipin.db')}`, PORT: '0', LOG_LEVEL: 'warn', RATE_LIMIT: 'off' }),
);
const members = Array.from({ length: 10 }, (_, i) => benchId('m', i));
const groupId = benchId('g', 1);
await server.store.transaction(async (tx) => {
  for (let i = 0; i < members.length; i++) await seedUser(tx, members[i], `Member ${i}`, `bench_calls_m${i}`);
  await seedGroup(tx, groupId, 'Calls', members);
});

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const port = Number(new URL(server.url).port);
const body = JSON.stringify({ description: 'Dinner', amount: 3000, split: { mode: 'equal', among: members.slice(0, 3) } });
const post = () =>
  new Promise<void>((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/groups/${groupId}/bills`,
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench_calls_m0' },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
const run = async (count: number) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await post();
    }),
  );
};

await run(Math.min(500, requests)); // warm-up
tally.clear();
const t0 = performance.now();
await run(requests);
const wallUs = ((performance.now() - t0) * 1000) / requests;

let total = 0;
console.log(`POST /bills × ${requests}, ${concurrency} at once: µs per request in each SQLite call`);
for (const [key, v] of [...tally].sort((a, b) => b[1].us - a[1].us)) {
  total += v.us;
  console.log(`${(v.us / requests).toFixed(1).padStart(8)} µs ${String(v.calls).padStart(7)} calls  ${key}`);
}
console.log(
  `${(total / requests).toFixed(1).padStart(8)} µs in SQLite per request; ${wallUs.toFixed(1)} µs of wall time per request (client in this process too)`,
);
await server.close();
agent.destroy();
rmSync(dir, { recursive: true, force: true });

// Benchmark settings: flags first, then BENCH_* environment variables, then the defaults of issue 6.
// A smoke run is the same code with tiny numbers (test/bench-smoke.test.ts).
import { parseArgs } from 'node:util';
import { join } from 'node:path';

export const BENCH_DIR = import.meta.dirname;
export const REPO_DIR = join(BENCH_DIR, '..');

export const ALL_TARGETS = ['chipin-sse', 'chipin-ws', 'node-sse', 'node-sse-detached', 'ws', 'socketio'] as const;
export type TargetKey = (typeof ALL_TARGETS)[number];

export type Options = {
  /** Idle streams per server. */
  n: number;
  /** The lower point of the marginal memory measure (issue 6: 1,000). */
  baseline: number;
  /** Bills (or publishes) per second in the targeted phase, and for how long. */
  rate: number;
  durationS: number;
  /** Seconds of the same load before the targeted and API phases, not recorded (deliveries still checked). */
  warmupS: number;
  /** One heartbeat period for every server; the idle CPU window is exactly one period. */
  heartbeatMs: number;
  targets: TargetKey[];
  /** Pause after opening streams before measuring memory, and between broadcasts. */
  settleMs: number;
  /** Pause after the last stream opened before the plain (no GC) RSS reading: "a few seconds" (issue 13). */
  plainSettleMs: number;
  fanReps: number;
  broadcastReps: number;
  /** Messages in the hub-to-socket CPU burst, and how many bursts (the median counts). */
  burst: number;
  burstRounds: number;
  apiDurationS: number;
  apiConnections: number;
  balancesBills: number[];
  payBills: number;
  logLevel: string;
  resultsDir: string;
  /** Where the Markdown report goes; '' writes none. */
  docs: string;
  /** Chipin servers run with --cpu-prof and a heap snapshot is taken at N streams. */
  profile: boolean;
  realtime: boolean;
  api: boolean;
  /** The large-group scenario (bench/large-group.ts): members of one group, streams each, bills/s, seconds. */
  largeGroup: { members: number; streams: number; rate: number; durationS: number } | undefined;
};

const FLAGS = {
  n: { type: 'string' },
  baseline: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  targets: { type: 'string' },
  'settle-ms': { type: 'string' },
  'plain-settle-ms': { type: 'string' },
  'fan-reps': { type: 'string' },
  'broadcast-reps': { type: 'string' },
  burst: { type: 'string' },
  'burst-rounds': { type: 'string' },
  'api-duration': { type: 'string' },
  'api-connections': { type: 'string' },
  'balances-bills': { type: 'string' },
  'pay-bills': { type: 'string' },
  'log-level': { type: 'string' },
  'results-dir': { type: 'string' },
  docs: { type: 'string' },
  'no-docs': { type: 'boolean' },
  profile: { type: 'boolean' },
  'skip-realtime': { type: 'boolean' },
  'skip-api': { type: 'boolean' },
  'large-group-members': { type: 'string' },
  'large-group-streams': { type: 'string' },
  'large-group-rate': { type: 'string' },
  'large-group-duration': { type: 'string' },
  'skip-large-group': { type: 'boolean' },
} as const;

function envName(flag: string) {
  return `BENCH_${flag.toUpperCase().replace(/-/g, '_')}`;
}

export function parseOptions(argv: string[], env: Record<string, string | undefined> = process.env): Options {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  const raw = (flag: keyof typeof FLAGS): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    return env[envName(flag)] || undefined;
  };
  const num = (flag: keyof typeof FLAGS, fallback: number, min = 0): number => {
    const v = raw(flag);
    if (v === undefined) return fallback;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < min) throw new Error(`--${flag} must be a number ≥ ${min}, got "${v}"`);
    return n;
  };
  const bool = (flag: keyof typeof FLAGS) => values[flag] === true || ['1', 'true', 'on'].includes(env[envName(flag)] ?? '');

  const n = Math.round(num('n', 10_000, 2));
  const targets = (raw('targets') ?? ALL_TARGETS.join(','))
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of targets)
    if (!(ALL_TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target "${t}"; known: ${ALL_TARGETS.join(', ')}`);
  return {
    n,
    baseline: Math.round(num('baseline', Math.min(1000, Math.floor(n / 2)), 1)),
    rate: num('rate', 500, 1),
    durationS: num('duration', 20, 0.1),
    warmupS: num('warmup', 2, 0),
    heartbeatMs: Math.round(num('heartbeat-ms', 10_000, 50)),
    targets: targets as TargetKey[],
    settleMs: Math.round(num('settle-ms', 500, 0)),
    plainSettleMs: Math.round(num('plain-settle-ms', 3000, 0)),
    fanReps: Math.round(num('fan-reps', 20, 1)),
    broadcastReps: Math.round(num('broadcast-reps', 5, 1)),
    burst: Math.round(num('burst', Math.max(1000, Math.min(20_000, 2 * n)), 1)),
    burstRounds: Math.round(num('burst-rounds', 5, 1)),
    apiDurationS: num('api-duration', 10, 0.5),
    apiConnections: Math.round(num('api-connections', 16, 1)),
    balancesBills: (raw('balances-bills') ?? '1000,10000,100000').split(',').map((s) => Number(s.replace(/_/g, ''))),
    payBills: Math.round(num('pay-bills', 25_000, 1)),
    logLevel: raw('log-level') ?? 'warn',
    resultsDir: raw('results-dir') ?? join(BENCH_DIR, 'results'),
    docs: bool('no-docs') ? '' : (raw('docs') ?? join(REPO_DIR, 'docs', 'benchmarks.md')),
    profile: bool('profile'),
    realtime: !bool('skip-realtime'),
    api: !bool('skip-api'),
    // Issue 13's targets: 500 members, 10 streams each, 100 bills/s.
    largeGroup:
      bool('skip-large-group') || bool('skip-realtime')
        ? undefined
        : {
            members: Math.round(num('large-group-members', 500, 2)),
            streams: Math.round(num('large-group-streams', 10, 1)),
            rate: num('large-group-rate', 100, 1),
            durationS: num('large-group-duration', 10, 0.1),
          },
  };
}

// One run's figures as Markdown (printed, and kept in docs/benchmarks.md between two markers so the
// hand-written text around them survives a new run) and as JSON (bench/results/<date>.json).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { ApiResult } from './api.ts';
import type { Options } from './options.ts';
import { REPO_DIR } from './options.ts';
import type { Machine } from './process.ts';
import type { RealtimeResult } from './realtime.ts';
import type { LargeGroupResult } from './large-group.ts';
import { SPECS } from './realtime.ts';
import type { Check } from './targets.ts';
import { round } from './stats.ts';

export type Run = {
  date: string;
  /** The code measured: commit, and whether src/ had uncommitted changes when the run began. */
  code: { commit: string; srcDirty: boolean };
  machine: Machine;
  settings: Omit<Options, 'resultsDir' | 'docs'>;
  realtime: RealtimeResult | undefined;
  largeGroup?: LargeGroupResult;
  api: ApiResult | undefined;
  targets: Check[];
};

const BEGIN = '<!-- bench:results:begin (written by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';

const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const ms = (...xs: number[]) => xs.map((x) => (Number.isFinite(x) ? String(x) : '–')).join(' / ');

export function markdown(run: Run): string {
  const { machine: m, settings: s } = run;
  const out: string[] = [];
  out.push(
    `Run of ${run.date} on commit ${run.code.commit}${run.code.srcDirty ? ' with uncommitted changes in src/' : ''}. Machine: ${m.nproc} cores, ${m.cpuModel}, ${m.memoryGiB} GiB memory, ${m.kernel}; Node ${m.node}; open-file limit ${m.fileLimit}.`,
  );
  if (run.realtime) {
    out.push(
      `\nSettings: N = ${s.n} idle streams per server (memory marginal between ${s.baseline} and N), targeted delivery at ${s.rate}/s for ${s.durationS} s after ${s.warmupS} s of warm-up, ` +
        `heartbeat period ${s.heartbeatMs} ms for every server (the idle window is one period), fan-out ${s.fanReps}× to 50 receivers, ` +
        `broadcast ${s.broadcastReps}× to all N (reference servers), CPU burst of ${s.burst} messages, ${s.burstRounds} times (median).`,
    );
    out.push('\n### Realtime\n');
    const byKey = new Map(run.realtime.targets.map((t) => [t.key, t]));
    out.push(
      table(
        [
          'Server',
          'Plain RSS/conn KB (no GC) at mid / N',
          'Plain RSS/conn KB after the ramp, at mid / N',
          'RSS/conn KB after GC',
          'RSS/conn KB compacted',
          'Heap used/conn KB',
          'Kernel/conn KB (both ends)',
          'Idle CPU µs/conn/s',
          'Targeted p50 / p99 / max ms',
          'Lost',
          'Fan-out 50: last p50 / max ms',
          'Broadcast N: last p50 / max ms',
          'CPU µs/msg (main thread / process)',
          'vs floor (main thread)',
          'Server CPU µs per targeted delivery (all)',
          'Load avg',
          'Waited for CPU ms (server / generator)',
        ],
        run.realtime.targets.map((t) => {
          const floorKey = SPECS[t.key].floor;
          const floor = floorKey ? byKey.get(floorKey) : undefined;
          const lost =
            t.targeted.lost + (t.warmup?.lost ?? 0) + t.fanout50.lost + (t.broadcast?.lost ?? 0) + t.burst.lost + t.burst.misdelivered;
          return [
            t.label,
            `${t.memory.plain.rssPerConnKBAtMid} / ${t.memory.plain.rssPerConnKBAtN}`,
            t.memory.plain.ramp ? `${t.memory.plain.ramp.rssPerConnKBAtMid} / ${t.memory.plain.ramp.rssPerConnKBAtN}` : 'n/a',
            t.memory.rssPerConnKB,
            t.memory.rssCompactedPerConnKB,
            t.memory.heapCompactedPerConnKB,
            t.memory.kernelPerConnKB,
            t.idle.usPerConnPerS,
            ms(t.targeted.latencyMs.p50, t.targeted.latencyMs.p99, t.targeted.latencyMs.max),
            lost +
              (t.targeted.misdelivered ? ` (${t.targeted.misdelivered} to the wrong stream)` : '') +
              (t.targeted.postErrors ? ` (+${t.targeted.postErrors} request errors)` : '') +
              (t.generator.closedByServer ? ` (${t.generator.closedByServer} closed by server)` : ''),
            ms(t.fanout50.lastReceiptMs.p50, t.fanout50.lastReceiptMs.max),
            t.broadcast ? ms(t.broadcast.lastReceiptMs.p50, t.broadcast.lastReceiptMs.max) : 'n/a',
            `${t.burst.usPerMessage} / ${t.burst.processUsPerMessage}`,
            floor ? `${round(t.burst.usPerMessage / floor.burst.usPerMessage)}× ${floor.label}` : '',
            t.contention.serverCpuUsPerDelivery,
            `${t.loadAverage.start} → ${t.loadAverage.end}`,
            `${t.contention.serverRunQueueWaitMs} / ${t.contention.generatorRunQueueWaitMs}`,
          ];
        }),
      ),
    );
    out.push(
      `\nMemory per stream is marginal from ${s.baseline} streams: "plain RSS" is VmRSS from /proc/<pid>/status with no GC asked for, ${s.plainSettleMs} ms after the last stream opened, at two sizes (what an operator sees; quoted first); "after the ramp" is the same from a second baseline at ${run.realtime.targets[0]?.memory.plain.ramp?.at ?? 'n/a'} streams, read once the server has collected its start-up garbage in ordinary collections under this load (a first baseline that still holds it reads as a negative marginal); "after GC" after ordinary full collections (V8's reserved but empty heap included), ` +
        `"compacted" after V8's memory-reducing collection (what is live; an idle server drifts toward it). ` +
        `\nTargeted deliveries over 10 ms (of the samples, at the achieved rate): ${run.realtime.targets.map((t) => `${t.label} ${t.targeted.over10ms} of ${t.targeted.latencyMs.samples} at ${t.targeted.achievedRate}/s`).join('; ')}. ` +
        `Load avg is the machine's 1-minute load average (${run.machine.nproc} cores) when the server's run began and ended; "waited for CPU" is how long the server's and the generator's event-loop threads sat runnable in the run queue during the ${s.durationS} s targeted phase (/proc/<pid>/schedstat): time another process had the core. Anything else running skews every timing; memory is unaffected.`,
    );
  }
  if (run.largeGroup) {
    const g = run.largeGroup;
    out.push(
      `\n### Large group (${g.members} members in one group, ${g.streams} SSE streams each, ${g.rate} bills/s by members for ${g.durationS} s, each owed by one other member)\n`,
    );
    out.push(
      table(
        [
          'Streams open',
          'Bills sent',
          'Targeted p50 / p99 / max ms',
          'Lost',
          'POST errors',
          'Hint writes/stream/s (mean / max)',
          'Server RSS MB',
        ],
        [
          [
            g.opened,
            g.sent,
            `${g.latencyMs.p50} / ${g.latencyMs.p99} / ${g.latencyMs.max}`,
            g.lost,
            g.postErrors,
            `${g.hintsPerStreamPerS.mean} / ${g.hintsPerStreamPerS.max}`,
            g.rssMB,
          ],
        ],
      ),
    );
  }
  if (run.api) {
    for (const suite of run.api.suites) {
      out.push(
        `\n### API on ${suite.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (autocannon, ${suite.connections} connections, ${suite.durationS} s each)\n`,
      );
      out.push(
        table(
          [
            'Endpoint',
            'req/s',
            'p50 ms',
            'p99 ms',
            'max ms',
            'non-2xx',
            'errors',
            'server CPU µs/request',
            'one core at 100% → req/s',
            'server waited for CPU ms',
          ],
          [...suite.endpoints, suite.bare].map((e) => [
            e.name,
            e.rps,
            e.p50Ms,
            e.p99Ms,
            e.maxMs,
            e.non2xx,
            e.errors,
            e.serverCpuUsPerRequest,
            Math.round(1e6 / e.serverCpuUsPerRequest),
            e.serverRunQueueWaitMs,
          ]),
        ),
      );
      const post = suite.endpoints.find((e) => e.name === 'POST /bills');
      if (post)
        out.push(
          `\nPOST /bills reaches ${round((post.rps / suite.bare.rps) * 100, 1)}% of the bare Fastify route (response body ${suite.responseBytes} bytes for both).`,
        );
      out.push('\nGET /balances of a 10-member group as its bills grow (1,000 serial requests each):\n');
      out.push(
        table(
          ['Bills', 'p50 ms', 'p99 ms', 'max ms'],
          suite.balances.map((b) => [b.bills.toLocaleString('en'), b.p50Ms, b.p99Ms, b.maxMs]),
        ),
      );
    }
  }
  out.push('\n### Targets (issues 6 and 13)\n');
  out.push(
    table(
      ['Target', 'Measured', 'Met'],
      run.targets.map((c) => [c.target, c.measured, c.met === undefined ? 'not measured' : c.met ? 'yes' : '**no**']),
    ),
  );
  return out.join('\n');
}

export function writeJson(run: Run, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${run.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  return file;
}

const DOC_HEAD = `# Benchmarks

How Chipin's live notifications and API hold up on one machine, measured side by side with the usual
alternatives in one run (issue 6). Regenerate with \`npm run bench\` (a few minutes at the defaults);
\`npm run bench -- --help\`-style flags and \`BENCH_*\` variables are listed in \`bench/options.ts\`.

`;

/** Replaces the figures between the markers; the text around them is kept. */
export function writeDocs(run: Run, file: string, jsonFile: string): void {
  const body = `${BEGIN}\n\n${markdown(run)}\n\nRaw figures: \`${relative(REPO_DIR, jsonFile)}\`.\n\n${END}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : `${DOC_HEAD}${BEGIN}\n${END}\n`;
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  text = a >= 0 && b > a ? text.slice(0, a) + body + text.slice(b + END.length) : `${text.trimEnd()}\n\n${body}\n`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

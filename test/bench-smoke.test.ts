// The benchmark (npm run bench) at toy sizes, so it cannot rot: it must run to the end and lose nothing.
// Never asserts a timing: figures at these sizes on a shared machine mean nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Run } from '../bench/report.ts';
import { tempDir } from './support/temp-dir.ts';

const run = promisify(execFile);

test('npm run bench completes at toy sizes and loses no notification', { timeout: 180_000 }, async (t) => {
  const results = tempDir(t, 'chipin-bench-smoke-');
  const args = [
    'bench/bench.ts',
    ...[
      '--n',
      '50',
      '--baseline',
      '10',
      '--rate',
      '20',
      '--duration',
      '0.5',
      '--warmup',
      '0.3',
      '--heartbeat-ms',
      '300',
      '--settle-ms',
      '50',
      '--plain-settle-ms',
      '100',
    ],
    ...['--large-group-members', '10', '--large-group-streams', '2', '--large-group-rate', '10', '--large-group-duration', '0.5'],
    ...['--fan-reps', '2', '--broadcast-reps', '1', '--burst', '200', '--burst-rounds', '2'],
    ...['--api-duration', '0.5', '--api-connections', '2', '--balances-bills', '30', '--pay-bills', '100'],
    ...['--no-docs', '--results-dir', results],
  ];
  const { stdout } = await run(process.execPath, args, {
    cwd: join(import.meta.dirname, '..'),
    timeout: 170_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  assert.match(stdout, /### Realtime/);
  assert.match(stdout, /### Targets/);

  const files = readdirSync(results).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1);
  const report = JSON.parse(readFileSync(join(results, files[0]), 'utf8')) as Run;

  assert.equal(report.realtime?.targets.length, 6);
  const g = report.largeGroup!;
  assert.equal(g.opened, 20, 'large group: every stream opened');
  assert.equal(g.lost + g.postErrors, 0, 'large group: nothing lost');
  for (const r of report.realtime!.targets) {
    assert.equal(typeof r.memory.plain.rssPerConnKBAtN, 'number', `${r.label}: plain RSS`);
    assert.equal(r.memory.plain.ramp?.at, 20, `${r.label}: plain RSS after the ramp`);
  }
  for (const name of ['SSE plain RSS', 'WebSocket plain RSS', 'Large group'])
    assert.ok(
      report.targets.some((c) => c.target.includes(name) && c.met !== undefined),
      `the targets check ${name}`,
    );
  for (const r of report.realtime!.targets) {
    const where = r.label;
    assert.equal(
      r.connect.baseline.failed + r.connect.rest.failed,
      0,
      `${where}: streams failed to open (${r.connect.baseline.firstError ?? r.connect.rest.firstError})`,
    );
    assert.equal(r.targeted.postErrors, 0, `${where}: ${r.targeted.firstPostError}`);
    assert.equal(r.targeted.received, r.targeted.sent, `${where}: targeted deliveries`);
    assert.equal(r.targeted.lost, 0, `${where}: targeted lost`);
    assert.equal((r.warmup?.lost ?? 0) + (r.warmup?.postErrors ?? 0) + (r.warmup?.misdelivered ?? 0), 0, `${where}: warm-up`);
    assert.equal(r.targeted.misdelivered, 0, `${where}: delivered to the wrong stream`);
    assert.equal(r.fanout50.lost + r.fanout50.postErrors, 0, `${where}: fan-out`);
    assert.equal((r.broadcast?.lost ?? 0) + (r.broadcast?.postErrors ?? 0), 0, `${where}: broadcast`);
    assert.equal(r.burst.lost + r.burst.misdelivered, 0, `${where}: burst`);
    assert.equal(r.generator.closedByServer, 0, `${where}: streams closed by the server`);
    assert.equal(r.generator.duplicates + r.generator.unexpected, 0, `${where}: duplicate or unexpected deliveries`);
  }
  const suite = report.api?.suites.find((s) => s.database === 'sqlite');
  assert.ok(suite, 'the API benchmark ran on SQLite');
  for (const e of [...suite.endpoints, suite.bare]) {
    assert.ok(e.requests > 0, `${e.name}: no request answered`);
    assert.equal(e.non2xx + e.errors, 0, `${e.name}: failed requests`);
  }
  assert.equal(suite.balances.length, 1);
});

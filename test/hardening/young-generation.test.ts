// Memory as the operating system sees it (issue 13, item 2). V8's young generation grows to 16 MiB a
// semi-space (32 MiB of resident memory) while the server starts and while streams open, and what it
// touched stays resident: it was most of the plain RSS the benchmark charged to each idle stream.
// `npm start` caps it with --max-semi-space-size=2 (MiB); this starts the service as a supervisor does and reads
// the young generation's size from its own /metrics (prom-client's heap space gauges).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startChildServer } from '../support/child-server.ts';
import { tempDir } from '../support/temp-dir.ts';

const MIB = 2 ** 20;

test('npm start runs the service with a young generation of at most 2 MiB a semi-space', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'chipin-young-');
  const webRoot = join(dir, 'no-web');
  mkdirSync(webRoot);
  const server = await startChildServer(
    { DATABASE_URL: `sqlite:${join(dir, 'chipin.db')}`, WEB_ROOT: webRoot },
    { via: 'npm start', readyTimeoutMs: 30_000 },
  );
  t.after(() => server.close());
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const m = /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(metrics);
  assert.ok(m, 'the heap space gauge for the new space is exported');
  // Two semi-spaces of at most 2 MiB each; without the flag it is 32 MiB right after start-up.
  assert.ok(Number(m[1]) <= 4 * MIB, `new space ${Number(m[1]) / MIB} MiB`);
});

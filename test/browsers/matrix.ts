// npm run test:browsers: the scenario in Blink, Gecko and WebKit, one engine after the other, each against
// a server of its own and under a deadline of its own, so a stuck engine fails fast and names itself.
// The table of what each engine did goes to docs/browsers.md (when all three ran).
// Not named *.test.ts: npm test does not run it; it needs the three browsers that scripts/browsers-setup.sh installs.
// BROWSERS=firefox,webkit runs some engines only (the table is then printed, not written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WEB_ROOT } from '../e2e/browser.ts';
import { within, type Engine, type EngineName, type Launch } from './engine.ts';
import { launchChromium } from './engines/chromium.ts';
import { launchFirefox } from './engines/firefox.ts';
import { launchWebKit } from './engines/webkit.ts';
import { renderResults, writeResults } from './report.ts';
import { runScenario, type EngineResult, type Run } from './scenario.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const ENGINES: Record<EngineName, Launch> = { chromium: launchChromium, firefox: launchFirefox, webkit: launchWebKit };
/** One engine, from launch to the last check; a healthy run takes a fraction of it. */
const DEADLINE_MS = 90_000;
const DOC = fileURLToPath(new URL('../../docs/browsers.md', import.meta.url));

const selected = (process.env.BROWSERS ?? Object.keys(ENGINES).join(',')).split(',').map((s) => s.trim()) as EngineName[];
for (const name of selected)
  assert.ok(name in ENGINES, `BROWSERS names an unknown engine "${name}" (known: ${Object.keys(ENGINES).join(', ')})`);

async function runEngine(name: EngineName): Promise<EngineResult> {
  const result: EngineResult = { engine: name, version: 'unknown', checks: {}, receipts: [] };
  const run: Run = { cancelled: false, step: 'launch' };
  const started = Date.now();
  let engine: Engine | undefined;
  let server: TestServer | undefined;
  const work = (async () => {
    const launched = await ENGINES[name]();
    // A launch that finished after the deadline: nobody else will close it.
    if (run.cancelled) return void (await launched.close());
    engine = launched;
    result.version = engine.version.replace(/^firefox\//, '');
    run.step = 'server';
    server = await startTestServer({ WEB_ROOT });
    await runScenario(engine, server, result, run);
  })();
  let settled = false;
  void work.then(
    () => (settled = true),
    () => (settled = true),
  );
  try {
    await within(work, DEADLINE_MS, name);
  } catch (e) {
    result.error = settled
      ? `${name}, at step "${run.step}": ${e instanceof Error ? e.message : String(e)}`
      : `${name} missed its ${DEADLINE_MS / 1000} s deadline, stuck at step "${run.step}"`;
  } finally {
    run.cancelled = true;
    work.catch(() => undefined); // after a deadline it fails on its own, against a closed browser
    await engine?.close();
    await server?.close();
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
  }
  return result;
}

test('the live path in Blink, Gecko and WebKit', async (t) => {
  assert.ok(existsSync(`${WEB_ROOT}/index.html`), `${WEB_ROOT}/index.html is missing: run "npm run build:web" first`);
  const started = Date.now();
  const results: EngineResult[] = [];
  for (const name of selected) {
    await t.test(name, { timeout: DEADLINE_MS + 30_000 }, async (t) => {
      const result = await runEngine(name);
      results.push(result);
      t.diagnostic(JSON.stringify({ ...result, receipts: result.receipts.map((r) => `${r.phase}:${r.ms}`).join(' ') }));
      const failed = Object.entries(result.checks).flatMap(([check, c]) => (c.ok ? [] : [`${check}: ${c.why}`]));
      assert.equal(result.error, undefined, result.error);
      assert.deepEqual(failed, [], `${name} failed: ${failed.join('; ')}`);
      for (const check of ['load', 'sse', 'ws', 'tabs', 'resume'])
        assert.ok(result.checks[check as keyof EngineResult['checks']]?.ok, `${name}: ${check} ran and passed`);
    });
  }
  const section = renderResults(results, {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  console.log(`\n${section}\n`);
  if (selected.length === Object.keys(ENGINES).length) writeResults(DOC, section);
});

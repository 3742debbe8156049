// The compatibility table, written from a run into docs/browsers.md between its two markers.
import { readFileSync, writeFileSync } from 'node:fs';
import type { EngineName } from './engine.ts';
import type { Check, CheckName, EngineResult, Receipt } from './scenario.ts';

export const START = '<!-- browsers:results:start (written by npm run test:browsers) -->';
export const END = '<!-- browsers:results:end -->';

const ENGINE: Record<EngineName, string> = {
  chromium: 'Blink (Chromium, playwright-core, CDP)',
  firefox: 'Gecko (Firefox ESR, puppeteer-core, WebDriver BiDi)',
  webkit: 'WebKit (WebKitGTK MiniBrowser, selenium-webdriver, WebDriver)',
};

/** Nearest-rank median. */
export function p50(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1];
}

const cell = (c: Check | undefined) => (c === undefined ? 'not run' : c.ok ? 'yes' : '**no**');
/** The p50 of some receipts and how many there were: "8 (n=13)", or with a unit, "8 ms (n=13)". */
const ms = (r: Receipt[], unit = '') => {
  const m = p50(r.map((x) => x.ms));
  return m === undefined ? '–' : `${m}${unit} (n=${r.length})`;
};

export function renderResults(results: EngineResult[], meta: { date: string; node: string; seconds: number }): string {
  const lines = [
    `Measured by \`npm run test:browsers\` on ${meta.date} (Node ${meta.node}, server and browsers on one machine over loopback; the whole run took ${meta.seconds} s).`,
    '',
    '| engine | version | SSE ok | WebSocket ok | tab sharing ok | resume ok | receipt p50 ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    lines.push(
      `| ${ENGINE[r.engine]} | ${r.version} | ${cell(r.checks.sse)} | ${cell(r.checks.ws)} | ${cell(r.checks.tabs)} | ${cell(r.checks.resume)} | ${ms(r.receipts)} |`,
    );
  }
  lines.push('');
  for (const r of results) {
    const by = (phase: CheckName) => r.receipts.filter((x) => x.phase === phase);
    const parts = [
      `SSE p50 ${ms(by('sse'), ' ms')}`,
      `WebSocket p50 ${ms(by('ws'), ' ms')}`,
      `three tabs p50 ${ms(by('tabs'), ' ms')}`,
      r.resumeMs === undefined
        ? 'resume not measured'
        : `after the restart, the bill made while the server was down showed in every tab ${r.resumeMs} ms after the server listened again`,
      r.seconds === undefined ? '' : `${r.seconds} s for this engine`,
    ].filter(Boolean);
    lines.push(`- ${r.engine} ${r.version}: ${parts.join('; ')}.`);
    const failed = (Object.entries(r.checks) as [CheckName, Check][]).filter(([, c]) => !c.ok);
    for (const [name, c] of failed) if (!c.ok) lines.push(`  - ${name} failed: ${c.why}`);
    if (r.error) lines.push(`  - stopped: ${r.error}`);
  }
  return lines.join('\n');
}

/** Replaces what is between the markers of `path` with `section`. */
export function writeResults(path: string, section: string) {
  const doc = readFileSync(path, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path} has no ${START} … ${END} section`);
  writeFileSync(path, `${doc.slice(0, from + START.length)}\n${section}\n${doc.slice(to)}`);
}

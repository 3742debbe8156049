// scripts/audit.ts on saved reports (no registry involved; `npm run audit` itself is not part of npm test):
// what it subtracts, what it fails on, and the one line it prints when the registry does not answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const dir = tempDir(test, 'chipin-audit-');

function run(report: unknown, exceptions: unknown | string, ...flags: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = join(dir, `report-${Math.random()}.json`);
  writeFileSync(r, typeof report === 'string' ? report : JSON.stringify(report));
  let e = exceptions as string;
  if (typeof exceptions !== 'string') {
    e = join(dir, `exceptions-${Math.random()}.json`);
    writeFileSync(e, JSON.stringify(exceptions));
  }
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/audit.ts', '--report', r, '--exceptions', e, ...flags], { cwd: ROOT }, (err, out, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, out: String(out), err: String(stderr) }),
    );
  });
}

const advisory = (name: string, severity: string, ghsa: string) => ({
  source: 1,
  name,
  dependency: name,
  title: `${name} is bad`,
  url: `https://github.com/advisories/${ghsa}`,
  severity,
  range: '<9.9.9',
});
const REPORT = {
  auditReportVersion: 2,
  vulnerabilities: {
    foo: { name: 'foo', severity: 'high', via: [advisory('foo', 'high', 'GHSA-2222-3333-4444')] },
    // Reached through foo: listed by name only, not a second advisory.
    bar: { name: 'bar', severity: 'high', via: ['foo'] },
    baz: { name: 'baz', severity: 'moderate', via: [advisory('baz', 'moderate', 'GHSA-5555-6666-7777')] },
  },
  metadata: {},
};
const later = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
const earlier = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const exception = (reviewAgain: string) => ({
  id: 'GHSA-2222-3333-4444',
  package: 'foo',
  reason: 'Only reachable through foo.parse(untrusted), which Chipin never calls.',
  reviewed: '2026-11-22',
  reviewAgain,
});

test('a high advisory without an exception fails; a moderate one does not', { timeout: 30_000 }, async () => {
  const r = await run(REPORT, { exceptions: [] });
  assert.equal(r.code, 1);
  assert.match(r.err, /1 high\+ advisory to decide on/);
  assert.match(r.err, /GHSA-2222-3333-4444/);
  assert.doesNotMatch(r.err, /GHSA-5555-6666-7777/);
});

test('a reviewed exception clears it; once past its review date it does not', { timeout: 30_000 }, async () => {
  const ok = await run(REPORT, { exceptions: [exception(later)] });
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /clean at level high \(1 excepted, 1 below high\)/);
  const expired = await run(REPORT, { exceptions: [exception(earlier)] });
  assert.equal(expired.code, 1);
  assert.match(expired.err, /exception expired/);
});

test('an exception without a real reason, or an unmatched one, is reported', { timeout: 30_000 }, async () => {
  const vague = await run(REPORT, { exceptions: [{ ...exception(later), reason: 'n/a' }] });
  assert.equal(vague.code, 1);
  assert.match(vague.err, /needs reason/);
  const stale = await run({ ...REPORT, vulnerabilities: {} }, { exceptions: [exception(later)] });
  assert.equal(stale.code, 0);
  assert.match(stale.err, /matches no advisory any more/);
});

test('a registry that does not answer is one line, a failure only under --strict', { timeout: 30_000 }, async () => {
  const refused = {
    message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
    statusCode: 405,
  };
  const r = await run(refused, { exceptions: [] });
  assert.equal(r.code, 0);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.match(r.err, /^audit: the registry did not answer the audit request \(405 Method Not Allowed.*nothing was checked/);
  assert.equal((await run(refused, { exceptions: [] }, '--strict')).code, 2);
  assert.equal((await run('npm error network ENOTFOUND', { exceptions: [] }, '--strict')).code, 2);
});

test("the project's own exceptions file is well-formed", { timeout: 30_000 }, async () => {
  const r = await run({ auditReportVersion: 2, vulnerabilities: {}, metadata: {} }, 'audit-exceptions.json');
  assert.equal(r.code, 0, r.err);
});

// `npm run audit`: `npm audit --omit=dev` at level high, minus the reviewed exceptions in
// audit-exceptions.json. A high or critical advisory that is not listed fails the run, and so does an
// exception past its review date: a new advisory is a decision, not a surprise.
//
//   npm run audit                      audit the installed production tree
//   npm run audit -- --strict          also fail when the registry cannot answer (CI)
//   npm run audit -- --report r.json   check a saved `npm audit --json` report instead
//   npm run audit -- --exceptions f    another exceptions file
//
// Exit codes: 0 clean (or, without --strict, nothing checked because the registry did not answer),
// 1 advisories to decide on or a malformed exceptions file, 2 registry unreachable under --strict.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
type Severity = (typeof SEVERITIES)[number];
const FAIL_AT: Severity = 'high';

type Advisory = { id: string; source: number | undefined; pkg: string; severity: Severity; title: string; url: string; range: string };
export type Exception = { id: string; package: string; reason: string; reviewed: string; reviewAgain: string };

const { values: args } = parseArgs({
  options: {
    strict: { type: 'boolean', default: false },
    report: { type: 'string' },
    exceptions: { type: 'string', default: 'audit-exceptions.json' },
  },
});

function npmAudit(): Promise<string> {
  return new Promise((resolve) => {
    // npm exits 1 when it finds something; the JSON on stdout is what counts either way.
    execFile('npm', ['audit', '--omit=dev', '--json'], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (_err, stdout) =>
      resolve(String(stdout)),
    );
  });
}

/** The advisories of a report (each once, however many packages it reaches through). */
function advisoriesOf(report: { vulnerabilities: Record<string, { via: unknown[] }> }): Advisory[] {
  const byId = new Map<string, Advisory>();
  for (const v of Object.values(report.vulnerabilities)) {
    for (const via of v.via) {
      if (typeof via !== 'object' || via === null) continue; // a package name: reached through another package's advisory
      const a = via as { source?: number; name: string; title: string; url: string; severity: Severity; range: string };
      const id = /GHSA(-[23456789cfghjmpqrvwx]{4}){3}/.exec(a.url ?? '')?.[0] ?? `npm-${a.source}`;
      byId.set(`${id} ${a.name}`, { id, source: a.source, pkg: a.name, severity: a.severity, title: a.title, url: a.url, range: a.range });
    }
  }
  return [...byId.values()];
}

function readExceptions(file: string): Exception[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { exceptions?: unknown };
  if (!Array.isArray(doc.exceptions)) throw new Error(`${file}: "exceptions" must be a list`);
  const date = /^\d{4}-\d{2}-\d{2}$/;
  return doc.exceptions.map((e: Partial<Exception>, i) => {
    const problems = [
      typeof e.id === 'string' && /^(GHSA(-[23456789cfghjmpqrvwx]{4}){3}|npm-\d+)$/.test(e.id) ? '' : 'id (GHSA-…)',
      typeof e.package === 'string' && e.package ? '' : 'package',
      typeof e.reason === 'string' && e.reason.trim().length >= 20 ? '' : 'reason (why it does not apply, in a sentence)',
      typeof e.reviewed === 'string' && date.test(e.reviewed) ? '' : 'reviewed (YYYY-MM-DD)',
      typeof e.reviewAgain === 'string' && date.test(e.reviewAgain) ? '' : 'reviewAgain (YYYY-MM-DD)',
    ].filter(Boolean);
    if (problems.length) throw new Error(`${file}: exception #${i + 1} needs ${problems.join(', ')}`);
    return e as Exception;
  });
}

async function main(): Promise<number> {
  let exceptions: Exception[];
  try {
    exceptions = readExceptions(args.exceptions!);
  } catch (e) {
    console.error(`audit: ${(e as Error).message}`);
    return 1;
  }
  const text = args.report ? readFileSync(args.report, 'utf8') : await npmAudit();
  let report: { vulnerabilities?: Record<string, { via: unknown[] }>; message?: string; error?: { code?: string; summary?: string } };
  try {
    report = JSON.parse(text);
  } catch {
    report = { message: text.trim().split('\n')[0] || 'no output' };
  }
  if (!report.vulnerabilities) {
    const why = report.message || report.error?.summary || report.error?.code || 'no audit report';
    console.error(
      `audit: the registry did not answer the audit request (${why}); nothing was checked${args.strict ? '' : ' (not a failure without --strict)'}`,
    );
    return args.strict ? 2 : 0;
  }

  const today = new Date().toISOString().slice(0, 10);
  const all = advisoriesOf(report as { vulnerabilities: Record<string, { via: unknown[] }> });
  const serious = all.filter((a) => SEVERITIES.indexOf(a.severity) >= SEVERITIES.indexOf(FAIL_AT));
  const open: string[] = [];
  const used = new Set<Exception>();
  for (const a of serious) {
    const ex = exceptions.find((e) => e.id === a.id && e.package === a.pkg);
    if (ex) used.add(ex);
    if (ex && ex.reviewAgain >= today) continue;
    const note = ex ? ` (exception expired ${ex.reviewAgain}: review it again)` : '';
    open.push(`${a.severity.padEnd(8)} ${a.pkg}@${a.range}  ${a.id}  ${a.title}  ${a.url}${note}`);
  }
  for (const e of exceptions.filter((x) => !used.has(x))) {
    console.warn(`audit: exception ${e.id} (${e.package}) matches no advisory any more: remove it from ${args.exceptions}`);
  }
  const below = all.length - serious.length;
  if (open.length > 0) {
    console.error(
      `audit: ${open.length} ${FAIL_AT}+ advisor${open.length === 1 ? 'y' : 'ies'} to decide on (upgrade, or add a reviewed exception to ${args.exceptions}):`,
    );
    for (const line of open) console.error(`  ${line}`);
    return 1;
  }
  console.log(`audit: clean at level ${FAIL_AT} (${serious.length} excepted, ${below} below ${FAIL_AT})`);
  return 0;
}

process.exitCode = await main();

// `npm run bench`: the realtime benchmark, then the API benchmark, then one report: a Markdown table on
// stdout, the JSON in bench/results/<date>.json, and the figures in docs/benchmarks.md.
// Progress goes to stderr, so stdout is the table alone.
import { parseOptions, REPO_DIR } from './options.ts';
import { describeCode, describeMachine } from './process.ts';
import { runRealtime } from './realtime.ts';
import { runApi } from './api.ts';
import { runLargeGroup } from './large-group.ts';
import { checkTargets } from './targets.ts';
import { markdown, writeDocs, writeJson, type Run } from './report.ts';

export async function main(argv: string[]): Promise<Run> {
  const opts = parseOptions(argv);
  const started = performance.now();
  const code = describeCode(REPO_DIR);
  const realtime = opts.realtime ? await runRealtime(opts) : undefined;
  const largeGroup = opts.largeGroup ? await runLargeGroup({ ...opts.largeGroup, drainMs: 5000 }) : undefined;
  if (largeGroup) console.error(`large group: ${JSON.stringify(largeGroup)}`);
  const api = opts.api ? await runApi(opts) : undefined;
  const { resultsDir, docs, ...settings } = opts;
  const run: Run = {
    date: new Date().toISOString(),
    code,
    machine: describeMachine(),
    settings,
    realtime,
    largeGroup,
    api,
    targets: checkTargets(realtime, api, largeGroup),
  };
  console.log(markdown(run));
  const jsonFile = writeJson(run, resultsDir);
  console.error(`\nJSON: ${jsonFile}`);
  if (docs) {
    writeDocs(run, docs, jsonFile);
    console.error(`Markdown: ${docs}`);
  }
  console.error(`Total ${Math.round((performance.now() - started) / 1000)} s`);
  return run;
}

if (import.meta.main) await main(process.argv.slice(2));

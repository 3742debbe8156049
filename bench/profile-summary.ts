// Reads a `--cpu-prof` profile (written by `npm run bench -- --profile` when a Chipin server exits) and
// prints where the time went: self time by function, and inclusive time by function (each stack counted
// once per function, so recursion does not inflate it).
// With --long-tasks <ms>, also the stretches the main thread was busy without a break for at least that
// long (what a p99 sees as a stall), each with the functions it spent its time in.
//   node bench/profile-summary.ts <file.cpuprofile> [--top 30] [--match hub.ts] [--long-tasks 20]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string' }, match: { type: 'string' }, 'long-tasks': { type: 'string' } },
});
if (positionals.length !== 1) throw new Error('usage: node bench/profile-summary.ts <file.cpuprofile> [--top 30] [--match text]');
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
const top = Number(values.top ?? 30);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n: Node) => {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
};

// Each sample's time is the delta to the next one (Chrome DevTools' convention).
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
});
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idleUs = [...selfUs]
  .filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName))
  .reduce((a, [, us]) => a + us, 0);

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  self.set(key(n), (self.get(key(n)) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur)!);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const ms = (us: number) => (us / 1000).toFixed(1).padStart(9);
const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)}%`;
console.log(`${positionals[0]}: ${ms(totalUs).trim()} ms sampled, ${ms(totalUs - idleUs).trim()} ms busy`);
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  const rows = [...m]
    .filter(([k]) => !values.match || k.includes(values.match))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [k, us] of rows) console.log(`${ms(us)} ms ${pct(us)}  ${k}`);
};
print('self time', self);
print('inclusive time', inclusive);

if (values['long-tasks']) {
  const threshold = Number(values['long-tasks']) * 1000;
  const idle = (id: number) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName);
  type Task = { startUs: number; us: number; self: Map<string, number> };
  const tasks: Task[] = [];
  let cur: Task | undefined;
  let t = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (idle(id)) {
      if (cur && cur.us >= threshold) tasks.push(cur);
      cur = undefined;
      return;
    }
    cur ??= { startUs: t, us: 0, self: new Map() };
    cur.us += dt;
    // Attribute to the innermost frame of our own code or a library, not to V8 builtins alone.
    const k = key(byId.get(id)!);
    cur.self.set(k, (cur.self.get(k) ?? 0) + dt);
  });
  console.log(`\nbusy stretches ≥ ${values['long-tasks']} ms: ${tasks.length}`);
  for (const task of tasks.sort((a, b) => b.us - a.us).slice(0, top)) {
    const parts = [...task.self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([k, us]) => `${k} ${(us / 1000).toFixed(1)}`);
    console.log(`${ms(task.us)} ms at ${(task.startUs / 1e6).toFixed(2).padStart(7)} s: ${parts.join('; ')}`);
  }
}

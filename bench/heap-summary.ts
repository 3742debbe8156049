// Reads a V8 heap snapshot (written by `npm run bench -- --profile` at N streams) and prints what the heap
// holds by constructor, optionally per stream, and one retainer path of a constructor: the evidence of
// what a stream keeps alive.
//   node bench/heap-summary.ts <file.heapsnapshot> [--per 10000] [--top 40] [--retainers IncomingMessage]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { per: { type: 'string' }, top: { type: 'string' }, retainers: { type: 'string' }, depth: { type: 'string' } },
});
if (positionals.length !== 1)
  throw new Error('usage: node bench/heap-summary.ts <file.heapsnapshot> [--per N] [--top 40] [--retainers Name]');

const snap = JSON.parse(readFileSync(positionals[0], 'utf8')) as Snapshot;
const { node_fields, edge_fields, node_types, edge_types } = snap.snapshot.meta;
const NF = node_fields.length;
const EF = edge_fields.length;
const { nodes, edges, strings } = snap;
const count = nodes.length / NF;
const TYPE = node_fields.indexOf('type');
const NAME = node_fields.indexOf('name');
const SELF = node_fields.indexOf('self_size');
const EDGES = node_fields.indexOf('edge_count');

const type = (i: number) => node_types[0][nodes[i * NF + TYPE]];
const name = (i: number) => strings[nodes[i * NF + NAME]];
const label = (i: number) => `${type(i)}:${name(i).slice(0, 60).replace(/\s+/g, ' ')}`;

const byLabel = new Map<string, { count: number; bytes: number }>();
let total = 0;
for (let i = 0; i < count; i++) {
  const self = nodes[i * NF + SELF];
  total += self;
  const key = label(i);
  const v = byLabel.get(key) ?? { count: 0, bytes: 0 };
  v.count++;
  v.bytes += self;
  byLabel.set(key, v);
}
const per = values.per ? Number(values.per) : undefined;
console.log(
  `${count} nodes, ${(total / 2 ** 20).toFixed(1)} MiB self size in total${per ? `, ${(total / per).toFixed(0)} B per stream if all were streams'` : ''}`,
);
console.log(`${'count'.padStart(9)} ${'bytes'.padStart(11)}${per ? ` ${'B/stream'.padStart(9)}` : ''}  constructor`);
for (const [key, v] of [...byLabel].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(values.top ?? 40))) {
  console.log(
    `${String(v.count).padStart(9)} ${String(v.bytes).padStart(11)}${per ? ` ${(v.bytes / per).toFixed(1).padStart(9)}` : ''}  ${key}`,
  );
}

if (values.retainers) {
  // One instance's retainers, a few levels up, weak edges excluded: who keeps it alive.
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * NF + EDGES] * EF;
    firstEdge[i + 1] = e;
  }
  const retainers = new Map<number, [number, string][]>();
  for (let i = 0; i < count; i++) {
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += EF) {
      const edgeType = edge_types[0][edges[e]];
      if (edgeType === 'weak') continue;
      const to = edges[e + 2] / NF;
      const edgeName = edgeType === 'element' || edgeType === 'hidden' ? String(edges[e + 1]) : strings[edges[e + 1]];
      let list = retainers.get(to);
      if (!list) retainers.set(to, (list = []));
      list.push([i, `${edgeType}:${edgeName}`]);
    }
  }
  // An object of that constructor, else anything so named (a closure, say).
  let start = -1;
  for (let i = 0; i < count && start < 0; i++) if (type(i) === 'object' && name(i) === values.retainers) start = i;
  for (let i = 0; i < count && start < 0; i++) if (name(i) === values.retainers) start = i;
  if (start < 0) console.log(`\nno ${values.retainers} in this snapshot`);
  else {
    console.log(`\nretainers of one ${values.retainers}:`);
    const seen = new Set<number>();
    const maxDepth = Number(values.depth ?? 5);
    const walk = (n: number, depth: number) => {
      if (depth > maxDepth || seen.has(n)) return;
      seen.add(n);
      for (const [from, edge] of (retainers.get(n) ?? []).slice(0, 5)) {
        console.log(`${'  '.repeat(depth + 1)}<- ${edge} of ${label(from)}`);
        walk(from, depth + 1);
      }
    };
    walk(start, 0);
  }
}

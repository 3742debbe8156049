// Every route the HTTP layer declares, read from src/http/routes/*.ts, so a table that must cover "every
// route" fails when a route is added without a row. The route files registered under /api are the ones
// app.ts mounts with that prefix; system.ts, unsubscribe.ts and web.ts are mounted at the root. A route
// file may declare its routes on a scope of its own (unsubscribe.ts: `scope.get(...)` in a plugin with its
// own body parsers), so any receiver counts, as long as the path is a literal starting with '/'.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../src/http/routes/', import.meta.url));
const AT_ROOT = new Set(['system.ts', 'unsubscribe.ts', 'web.ts']);

/** "METHOD /path" for each declared route, e.g. "POST /api/groups/:groupId/bills". */
export function declaredRoutes(): string[] {
  const out: string[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(DIR + file, 'utf8');
    const prefix = AT_ROOT.has(file) ? '' : '/api';
    for (const m of source.matchAll(/\b[A-Za-z_$][\w$]*\.(get|post|put|patch|delete)\(\s*'(\/[^']*)'/g))
      out.push(`${m[1].toUpperCase()} ${prefix}${m[2]}`);
    for (const m of source.matchAll(/\bapp\.route\(\{\s*method:\s*'(\w+)',\s*url:\s*'([^']+)'/g))
      out.push(`${m[1].toUpperCase()} ${prefix}${m[2]}`);
  }
  return out.sort();
}

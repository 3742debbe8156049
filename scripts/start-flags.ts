// The Node/V8 flags `npm start` runs the service with, read from package.json's start script, so the
// benchmark and the tests that start the server as a separate process measure what production runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `--flags` between `node` and the script in `scripts.start` (e.g. ["--max-semi-space-size=2"]). */
export function startNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`package.json scripts.start must begin with "node": ${pkg.scripts.start}`);
  const flags = words.slice(
    1,
    words.findIndex((w, i) => i > 0 && !w.startsWith('--')),
  );
  if (flags.length !== words.length - 2)
    throw new Error(`package.json scripts.start must be "node [--flag…] <script>": ${pkg.scripts.start}`);
  return flags;
}

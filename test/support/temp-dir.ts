// Temporary folders for tests. Each is removed by whoever made it (a test's after-hook, a server's close());
// one a test forgot is removed when the process exits, with a line on stderr naming it, so a missing close
// shows up in the test output instead of piling up in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();

process.once('exit', () => {
  for (const path of live) {
    process.stderr.write(`test kit: ${path} was not removed by its test; removing it at exit\n`);
    rmSync(path, { recursive: true, force: true });
  }
});

export type TempDir = { path: string; remove(): void };

/** A fresh folder under the system's temporary folder; `prefix` names what made it (chipin-…). */
export function makeTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  live.add(path);
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      live.delete(path);
    },
  };
}

/**
 * A folder removed after the test (or the file, given `test` itself). After-hooks run in the order they were
 * added: whatever holds files open in it must be closed by a hook added before this one.
 */
export function tempDir(t: { after(fn: () => void): unknown }, prefix: string): string {
  const dir = makeTempDir(prefix);
  t.after(() => dir.remove());
  return dir.path;
}

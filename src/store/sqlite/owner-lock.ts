// One process owns a SQLite file: the store keeps per-user notification ids and a read cache in memory,
// which a second writer on the same file would silently contradict. So a store takes the file the way
// PostgreSQL takes its data directory (postmaster.pid): a file beside it names the owning process, and a
// second store is refused while that process lives. A process that died (a crash, SIGKILL) leaves the file
// behind; its pid is no longer alive, so the next store takes over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DatabaseInUseError extends Error {}

/** Takes `<database>-owner` for this process, or throws DatabaseInUseError. Returns the release. */
export function takeOwnership(databasePath: string): () => void {
  const lockPath = `${resolve(databasePath)}-owner`;
  if (heldHere.has(lockPath)) throw new DatabaseInUseError(`${databasePath} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      heldHere.add(lockPath);
      return () => {
        heldHere.delete(lockPath);
        rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      // Our own pid in a file we do not hold is a previous life of this pid (a restarted container's pid 1).
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new DatabaseInUseError(`${databasePath} is in use by process ${owner} (${lockPath}); one process owns a SQLite database`);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new DatabaseInUseError(`${databasePath}: could not take ${lockPath}`);
}

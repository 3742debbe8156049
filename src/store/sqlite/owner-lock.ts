// One process owns a SQLite file: the store keeps per-user notification ids and a read cache in memory,
// which a second writer on the same file would silently contradict. So a store takes a lock that the
// kernel holds for the owning process and drops the moment that process dies, however it dies.
//
// Not a pid file: a SIGKILLed server under `npm start` stays a zombie until PID 1 reaps it, and
// `kill(pid, 0)` succeeds on a zombie (and on whatever process reuses the pid), so 27 of 30 immediate
// restarts were refused (issue 19). Not `PRAGMA locking_mode = EXCLUSIVE` on the database itself either:
// on a WAL database that shuts out every other connection, the checkpoint worker's (./checkpointer.ts)
// and an operator's `sqlite3 … .backup` included.
//
// The lock is SQLite's own, on a side file `<database>-lock`: an EXCLUSIVE transaction held open for the
// store's life. On Unix SQLite locks with fcntl() (POSIX advisory record locks), which the kernel
// releases when the process's files close at exit, before it becomes a zombie
// (https://www.sqlite.org/lockingv3.html, https://man7.org/linux/man-pages/man2/fcntl.2.html). Within one
// process SQLite tracks the locks per file itself, so a second connection is refused there too.
// The file stays behind (zero bytes): deleting a lock file lets two processes lock two different files.
// Nothing else in the process may open and close it: closing any descriptor of a file drops the
// process's POSIX locks on it (SQLite guards its own descriptors, not others').
import { DatabaseSync } from 'node:sqlite';
import { resolve } from 'node:path';

const heldHere = new Set<string>();

/** How long start-up waits for a previous owner to finish dying (its graceful shutdown is bounded to 5 s). */
export const OWNER_WAIT_MS = 5000;

export class DatabaseInUseError extends Error {}

/**
 * Takes `<database>-lock` for this process, waiting up to `waitMs` for another process to let go, or
 * throws DatabaseInUseError. Returns the release. The wait blocks the thread (SQLite's busy handler):
 * it happens once, at start-up, before anything else can run.
 */
export function takeOwnership(databasePath: string, waitMs = OWNER_WAIT_MS): () => void {
  const lockPath = `${resolve(databasePath)}-lock`;
  // Refused at once: waiting for ourselves would only delay the same answer.
  if (heldHere.has(lockPath)) throw new DatabaseInUseError(`${databasePath} is already open in this process`);
  const lock = new DatabaseSync(lockPath, { timeout: waitMs });
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    // SQLITE_BUSY (5): another connection holds it for the whole wait.
    if ((error as { errcode?: number }).errcode === 5) {
      throw new DatabaseInUseError(
        `${databasePath} is in use by another Chipin process (${lockPath} is locked; waited ${waitMs} ms); one process owns a SQLite database`,
      );
    }
    throw error;
  }
  heldHere.add(lockPath);
  return () => {
    if (!heldHere.delete(lockPath)) return;
    lock.exec('ROLLBACK');
    lock.close();
  };
}

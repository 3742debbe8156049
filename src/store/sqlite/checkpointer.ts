// WAL checkpoints off the main thread. SQLite's auto-checkpoint runs inside the COMMIT that crosses the
// threshold, copying pages into the database file on the event loop: a stall every ~1,000 pages that shows
// up in every p99 (measured here: COMMIT 88 µs without it, 167 µs with it, on average). A worker thread with
// its own connection runs PASSIVE checkpoints instead; PASSIVE never blocks the writer
// (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html).
//
// PASSIVE alone cannot bound the WAL under sustained writes: SQLite starts the log over only when a writer
// begins after every frame was copied back (https://www.sqlite.org/wal.html#avoiding_excessively_large_wal_files),
// and with a COMMIT every millisecond a checkpoint never finishes between two of them (the log reached
// 378 MB in 8 s of POST /bills). So once the log passes `limitFrames`, the worker asks the writer to hold
// its next batch, copies the rest with no writer running, and lets it go: the writer's next transaction
// starts the log over. Having caught up just before, the hold lasts one checkpoint of a few frames and its
// fsync (measured at full POST /bills load: 2-3 ms, now and then 13 ms, about once a second).
import { Worker } from 'node:worker_threads';

const WORKER = `
const { DatabaseSync } = require('node:sqlite');
const { workerData, parentPort } = require('node:worker_threads');
const db = new DatabaseSync(workerData.path);
db.exec('PRAGMA busy_timeout = 1000');
const checkpoint = () => db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
let holding = false;
const timer = setInterval(() => {
  if (holding) return;
  try {
    const r = checkpoint();
    if (r.log >= workerData.limitFrames) {
      // Catch up first without holding anyone, so the held checkpoint has few frames left to copy and sync.
      for (let i = 0, last = r.log, now; i < 4 && (now = checkpoint()).log - last > 256; i++) last = now.log;
      holding = true;
      parentPort.postMessage({ type: 'hold' });
    }
  } catch (e) { parentPort.postMessage({ type: 'failed', reason: String(e) }); }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'held') {
    // No writer runs now: this copies every frame left, so the writer's next transaction restarts the log.
    let reason;
    try { checkpoint(); } catch (e) { reason = String(e); }
    holding = false;
    parentPort.postMessage({ type: 'release' });
    if (reason) parentPort.postMessage({ type: 'failed', reason });
  } else if (m === 'stop') { clearInterval(timer); db.close(); process.exit(0); }
});
`;

export type Checkpointer = { stop(): Promise<void> };
/** The longest the writer is ever held, whatever happens to the worker. */
export const HOLD_LIMIT_MS = 2000;
export type CheckpointerOptions = {
  everyMs?: number;
  /** WAL frames past which the writer is held for a full checkpoint (16,384 frames = 64 MB at 4 KB pages). */
  limitFrames?: number;
  /** Stops the writer at its next batch boundary; resolves once no batch runs. Returns the release. */
  holdWriter: () => Promise<() => void>;
  /** How long each hold lasted, however it ended (for tests). */
  onHeld?: (ms: number) => void;
};

/** Starts the worker; `onFailure` is called if it dies, so the caller can fall back to auto-checkpoints. */
export function startCheckpointer(path: string, onFailure: (reason: string) => void, options: CheckpointerOptions): Checkpointer {
  const { everyMs = 1000, limitFrames = 16_384 } = options;
  const worker = new Worker(WORKER, { eval: true, workerData: { path, everyMs, limitFrames } });
  let stopping = false;
  let release: (() => void) | undefined;
  let heldAt = 0;
  let guard: NodeJS.Timeout | undefined;
  // Every hold ends here (the worker's release, the guard, the worker failing, stop) and is reported.
  const letGo = () => {
    clearTimeout(guard);
    const r = release;
    if (!r) return;
    release = undefined;
    options.onHeld?.(performance.now() - heldAt);
    r();
  };
  worker.on('message', (m: { type: 'hold' } | { type: 'release' } | { type: 'failed'; reason: string }) => {
    if (m.type === 'failed') return onFailure(m.reason);
    if (m.type === 'release') return letGo();
    if (stopping) return;
    void options.holdWriter().then((r) => {
      release = r;
      heldAt = performance.now();
      // Never hold the writer longer than this, whatever happens to the worker.
      guard = setTimeout(letGo, HOLD_LIMIT_MS);
      guard.unref();
      worker.postMessage('held');
    });
  });
  worker.on('error', (e) => {
    letGo();
    onFailure(String(e));
  });
  worker.on('exit', (code) => {
    letGo();
    if (!stopping) onFailure(`checkpoint worker exited with ${code}`);
  });
  worker.unref();
  return {
    async stop() {
      stopping = true;
      letGo();
      const exited = new Promise((r) => worker.once('exit', r));
      // Referenced again while it stops: otherwise a process with nothing else to do exits before the
      // worker's 'exit' arrives, and close() never finishes (the connection is never closed).
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}

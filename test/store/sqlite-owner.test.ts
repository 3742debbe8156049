// One process owns a SQLite database (src/store/sqlite/owner-lock.ts): a live owner refuses a second
// store, in this process at once and in another after a bounded wait; a dead owner, even one left a zombie
// or still dying when the next store starts, does not; close lets go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { tempDir } from '../support/temp-dir.ts';

const OWNER_LOCK = fileURLToPath(new URL('../../src/store/sqlite/owner-lock.ts', import.meta.url));

function tempDatabase(t: { after: (fn: () => void) => void }): string {
  return join(tempDir(t, 'chipin-owner-'), 'chipin.db');
}

/** A script for another node process that takes the database, says `held <pid>`, then runs `then`. */
function holderScript(path: string, then: string): string {
  return `import { takeOwnership } from ${JSON.stringify(OWNER_LOCK)}; takeOwnership(${JSON.stringify(path)}, 0); console.log('held ' + process.pid); ${then}`;
}

/** Resolves with the pid the holder printed once it holds the lock. */
function held(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /held (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the holder exited (${code}) before taking the lock: ${out}`)));
    setTimeout(() => reject(new Error(`the holder did not take the lock within 15 s: ${out}`)), 15_000).unref();
  });
}

test('in one process: a second store on the same file is refused at once; close lets go', async (t) => {
  const path = tempDatabase(t);
  const store = openSqliteStore(path, { synchronous: 'normal' });
  const started = performance.now();
  assert.throws(() => openSqliteStore(path, { synchronous: 'normal' }), /already open in this process/);
  assert.ok(performance.now() - started < 1000, 'no wait for ourselves');
  await store.close();
  const again = openSqliteStore(path, { synchronous: 'normal' });
  await again.close();
});

test('a live owner in another process is refused after the wait; once it is killed the file is taken at once', async (t) => {
  const path = tempDatabase(t);
  const holder = spawn(process.execPath, ['--input-type=module', '-e', holderScript(path, 'setInterval(() => {}, 1000);')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => holder.kill('SIGKILL'));
  await held(holder);
  const started = performance.now();
  assert.throws(() => openSqliteStore(path, { synchronous: 'normal', ownerWaitMs: 300 }), /in use by another Chipin process/);
  assert.ok(performance.now() - started >= 250, 'start-up waited for the owner before refusing');

  const gone = new Promise((r) => holder.once('exit', r));
  holder.kill('SIGKILL');
  await gone;
  const store = openSqliteStore(path, { synchronous: 'normal', ownerWaitMs: 0 });
  await store.close();
});

test('an owner that dies during the wait (SIGKILL 1 s after start-up begins) hands the file over', async (t) => {
  const path = tempDatabase(t);
  const holder = spawn(
    process.execPath,
    ['--input-type=module', '-e', holderScript(path, "setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1000);")],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.after(() => holder.kill('SIGKILL'));
  await held(holder);
  const store = openSqliteStore(path, { synchronous: 'normal' }); // the default wait, 5 s
  await store.close();
});

test('a SIGKILLed owner left a zombie (its parent does not reap it) does not hold the file', async (t) => {
  const path = tempDatabase(t);
  // sh starts the holder in the background, then becomes `sleep`, which never waits for its children: the
  // killed holder stays a zombie, as a server under `npm start` does until PID 1 reaps it. A pid check
  // (kill(pid, 0)) sees it alive.
  const parent = spawn(
    'sh',
    ['-c', `"$0" --input-type=module -e "$1" & exec sleep 30`, process.execPath, holderScript(path, 'setInterval(() => {}, 1000);')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.after(() => parent.kill('SIGKILL'));
  const pid = await held(parent);
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
  while (state() !== 'Z' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(state(), 'Z', 'the killed holder is a zombie');
  assert.doesNotThrow(() => process.kill(pid, 0), 'a pid check would call it alive');
  // The leader shows Z as soon as its own thread exits; the kernel drops the lock when the last of the
  // process's threads has gone, a moment later. That moment is what the start-up wait is for.
  const started = performance.now();
  const store = openSqliteStore(path, { synchronous: 'normal', ownerWaitMs: 2000 });
  t.diagnostic(`taken ${Math.round(performance.now() - started)} ms after the owner became a zombie`);
  await store.close();
});

// A restart right after a crash (issue 19, item 1). The service runs as an operator's supervisor runs it:
// `npm start` in a process group of its own (npm → sh → node src/main.ts). The whole group is SIGKILLed and
// started again at once, on the same SQLite file and port, RESTARTS times. The server, orphaned when npm and
// sh die, stays a zombie until PID 1 reaps it; a pid-file owner check took that zombie for a live owner and
// refused 27 of 30 such restarts. Every restart must come up and find every bill acknowledged before.
//
// `npm start --ignore-scripts`: npm skips only `prestart` (the web build), which would put seconds between
// the kill and the new server reaching the lock, giving the old one time to be reaped: without it the
// race is at its tightest. WEB_ROOT is an empty directory, so no build is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { billFor, call, register } from '../support/api.ts';
import { freePort } from '../support/free-port.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESTARTS = 10;
const READY_TIMEOUT_MS = 20_000;

type Life = { pgid: number; exited: Promise<number | NodeJS.Signals | null>; output: () => string };

/** `npm start` in a new process group; resolves once /healthz answers 200, or with the exit if it died first. */
async function npmStart(env: Record<string, string>, url: string): Promise<{ life: Life; up: boolean }> {
  const child = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true, // setsid: its own process group, as a supervisor starts a service
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const s of [child.stdout!, child.stderr!]) {
    s.setEncoding('utf8');
    s.on('data', (d: string) => (output = (output + d).slice(-8000)));
  }
  let gone = false;
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      resolve(signal ?? code);
    }),
  );
  const life: Life = { pgid: child.pid!, exited, output: () => output };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!gone && Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return { life, up: true };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { life, up: false };
}

async function killGroup(life: Life) {
  try {
    process.kill(-life.pgid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
  await life.exited;
}

test(`SIGKILL of the npm start process group, restarted at once, ${RESTARTS} times: every restart comes up with its data`, { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chipin-restart-'));
  const webRoot = join(dir, 'no-web');
  mkdirSync(webRoot);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'chipin.db')}`,
    WEB_ROOT: webRoot,
    HOST: '127.0.0.1',
    PORT: String(port),
    RATE_LIMIT: 'off',
    LOG_LEVEL: 'warn',
  };
  let current: Life | undefined;
  t.after(async () => {
    if (current) await killGroup(current);
    rmSync(dir, { recursive: true, force: true });
  });

  const first = await npmStart(env, url);
  current = first.life;
  assert.ok(first.up, `the first start failed: ${first.life.output()}`);
  const owner = await register(url, 'Ola');
  const friend = await register(url, 'Fin');
  const g = await call(url, 'POST', '/api/groups', { token: owner.token, body: { name: 'Crashes', currency: 'EUR' } });
  assert.equal(g.status, 201);
  const groupId = g.body.group.id as string;
  assert.equal((await call(url, 'POST', `/api/groups/${groupId}/members`, { token: owner.token, body: { email: friend.email } })).status, 201);
  const billIds = [(await billFor(url, owner, groupId, [friend], 1000, 'life 0')).id as string];

  const refused: string[] = [];
  let cameUp = 0;
  for (let i = 1; i <= RESTARTS; i++) {
    await killGroup(current);
    current = undefined;
    const next = await npmStart(env, url);
    current = next.life;
    if (next.up) cameUp++;
    else {
      const lines = next.life.output().trim().split('\n');
      refused.push(`restart ${i}: ${lines.find((l) => /chipin:|Error/.test(l)) ?? lines.slice(-3).join(' | ')}`);
      // Not up at once: give the old owner time to be reaped, so the rest of the run still measures.
      await killGroup(current);
      await new Promise((r) => setTimeout(r, 3000));
      const late = await npmStart(env, url);
      current = late.life;
      if (!late.up) {
        refused.push(`restart ${i}: still refused 3 s later; the run stops here`);
        break;
      }
    }
    // Every bill acknowledged in an earlier life is there, and the session still signs in.
    const listed = await call(url, 'GET', `/api/groups/${groupId}/bills?limit=100`, { token: owner.token });
    assert.equal(listed.status, 200, `restart ${i}: ${JSON.stringify(listed.body)}`);
    assert.deepEqual(new Set(listed.body.bills.map((b: { id: string }) => b.id)), new Set(billIds), `restart ${i}: the bills of earlier lives`);
    billIds.push((await billFor(url, owner, groupId, [friend], 1000 + i, `life ${i}`)).id);
  }
  t.diagnostic(`${cameUp} of ${RESTARTS} immediate restarts came up`);
  assert.deepEqual(refused, [], `${RESTARTS - cameUp} of ${RESTARTS} immediate restarts were refused`);
});

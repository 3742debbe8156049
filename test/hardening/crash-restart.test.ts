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
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { billFor, call, register } from '../support/api.ts';
import { startChildServer, type ChildServer } from '../support/child-server.ts';
import { tempDir } from '../support/temp-dir.ts';

const RESTARTS = 10;
const READY_TIMEOUT_MS = 20_000;

/** The line of a failed start that says why (the kit's error carries the server's last output). */
const why = (e: unknown) => {
  const lines = String((e as Error).message)
    .trim()
    .split('\n');
  return lines.find((l) => /chipin:|Error/.test(l)) ?? lines.slice(-3).join(' | ');
};

test(`SIGKILL of the npm start process group, restarted at once, ${RESTARTS} times: every restart comes up with its data`, {
  timeout: 240_000,
}, async (t) => {
  let server: ChildServer | undefined;
  // Added before the folder's own hook: the server lets go of the file before the folder goes.
  t.after(() => server?.close());
  const dir = tempDir(t, 'chipin-restart-');
  const webRoot = join(dir, 'no-web');
  mkdirSync(webRoot);
  server = await startChildServer(
    { DATABASE_URL: `sqlite:${join(dir, 'chipin.db')}`, WEB_ROOT: webRoot },
    { via: 'npm start', readyTimeoutMs: READY_TIMEOUT_MS },
  );
  const url = server.url;
  const owner = await register(url, 'Ola');
  const friend = await register(url, 'Fin');
  const g = await call(url, 'POST', '/api/groups', { token: owner.token, body: { name: 'Crashes', currency: 'EUR' } });
  assert.equal(g.status, 201);
  const groupId = g.body.group.id as string;
  assert.equal(
    (await call(url, 'POST', `/api/groups/${groupId}/members`, { token: owner.token, body: { email: friend.email } })).status,
    201,
  );
  const billIds = [(await billFor(url, owner, groupId, [friend], 1000, 'life 0')).id as string];

  const refused: string[] = [];
  let cameUp = 0;
  for (let i = 1; i <= RESTARTS; i++) {
    await server.kill('SIGKILL');
    try {
      await server.start();
      cameUp++;
    } catch (e) {
      refused.push(`restart ${i}: ${why(e)}`);
      // Not up at once (the kit has killed what it started): give the old owner time to be reaped, so the
      // rest of the run still measures.
      await new Promise((r) => setTimeout(r, 3000));
      try {
        await server.start();
      } catch {
        refused.push(`restart ${i}: still refused 3 s later; the run stops here`);
        break;
      }
    }
    // Every bill acknowledged in an earlier life is there, and the session still signs in.
    const listed = await call(url, 'GET', `/api/groups/${groupId}/bills?limit=100`, { token: owner.token });
    assert.equal(listed.status, 200, `restart ${i}: ${JSON.stringify(listed.body)}`);
    assert.deepEqual(
      new Set(listed.body.bills.map((b: { id: string }) => b.id)),
      new Set(billIds),
      `restart ${i}: the bills of earlier lives`,
    );
    billIds.push((await billFor(url, owner, groupId, [friend], 1000 + i, `life ${i}`)).id);
  }
  t.diagnostic(`${cameUp} of ${RESTARTS} immediate restarts came up`);
  assert.deepEqual(refused, [], `${RESTARTS - cameUp} of ${RESTARTS} immediate restarts were refused`);
});

// Chipin as a separate process, started as `npm start` starts it (node src/main.ts; the web build npm runs
// first is left to the caller, through WEB_ROOT), for what an in-process server cannot show: a kill -9 in the
// middle of work, a SIGTERM, a restart on the same data, several instances on one database, the memory of
// the server alone. Its data is chosen as for the in-process kit (test-data.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { testData } from './test-data.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** How much of what the process wrote is kept. */
const OUTPUT_CHARS = 20_000;
/** A free port can be taken by someone else before the child binds it: try another, this many times. */
const PORT_ATTEMPTS = 3;
const POLL_MS = 50;

export type Exit = number | NodeJS.Signals | null;

export type ChildServer = {
  readonly url: string;
  /** The settings it runs with (on top of the test process's environment). */
  readonly env: Record<string, string>;
  /** The temporary folder of its SQLite file, when the kit chose the database (no DATABASE_URL given, no TEST_STORE=postgres); removed by close(). */
  readonly dir: string | undefined;
  /** The process running now (a new one after start()). */
  readonly process: ChildProcess;
  /** What the process running now wrote (its log lines at LOG_LEVEL=warn, and anything on stderr), the last 20 kB. */
  output(): string;
  /** Resolves with the exit code, or the signal, once the process running now is gone. */
  readonly exited: Promise<Exit>;
  /** Sends the signal (unless the process is gone already) and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<Exit>;
  /** SIGTERM, as a deploy stops it; SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
  /** Starts it again once it is gone (kill or stop), on the same port and the same data. */
  start(): Promise<void>;
  /** SIGKILL if it still runs, then removes its data. Safe to call twice. */
  close(): Promise<void>;
};

type Running = { process: ChildProcess; exited: Promise<Exit>; output: () => string };

/** Spawns node src/main.ts and waits until /healthz answers 200; a process that fails to get there is killed. */
async function launch(env: Record<string, string>, port: string, readyTimeoutMs: number): Promise<Running> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (output = (output + d).slice(-OUTPUT_CHARS)));
  }
  let gone = false;
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (gone) throw new Error(`the server exited during start-up (${await exited}): ${output.slice(-2000)}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`the server did not answer /healthz within ${readyTimeoutMs} ms: ${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { process: child, exited, output: () => output };
}

const isGone = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * Starts the server on `env.PORT`, or on a free loopback port, and resolves once /healthz answers.
 * Defaults: HOST=127.0.0.1, RATE_LIMIT=off, LOG_LEVEL=warn (a healthy server then writes nothing).
 */
export async function startChildServer(env: Record<string, string> = {}, readyTimeoutMs = 20_000): Promise<ChildServer> {
  const data = await testData(env, 'chipin-child-', 'for-sqlite');
  const fullEnv: Record<string, string> = { HOST: '127.0.0.1', RATE_LIMIT: 'off', LOG_LEVEL: 'warn', ...env, DATABASE_URL: data.databaseUrl };
  let port = env.PORT;
  let running: Running | undefined;
  try {
    for (let attempt = 1; !running; attempt++) {
      const tryPort = port ?? String(await freePort());
      try {
        running = await launch(fullEnv, tryPort, readyTimeoutMs);
        port = tryPort;
      } catch (e) {
        if (env.PORT !== undefined || attempt === PORT_ATTEMPTS || !/EADDRINUSE/.test((e as Error).message)) throw e;
      }
    }
  } catch (e) {
    await data.remove();
    throw e;
  }
  let current: Running = running;
  let closed = false;
  const kill = (signal: NodeJS.Signals) => {
    if (!isGone(current.process)) current.process.kill(signal);
    return current.exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    env: { ...fullEnv, PORT: port! },
    dir: data.dir,
    get process() {
      return current.process;
    },
    get exited() {
      return current.exited;
    },
    output: () => current.output(),
    kill,
    async stop(graceMs = 10_000) {
      const exited = kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async start() {
      if (closed) throw new Error('the server was closed');
      if (!isGone(current.process)) throw new Error('the server is still running: kill() or stop() it first');
      current = await launch(fullEnv, port!, readyTimeoutMs);
    },
    async close() {
      closed = true;
      await kill('SIGKILL');
      await data.remove();
    },
  };
}

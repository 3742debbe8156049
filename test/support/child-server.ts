// Chipin as a separate process, started as `npm start` starts it (node with its flags and src/main.ts, or npm itself with
// via: 'npm start'; the web build npm runs first is left to the caller, through WEB_ROOT), for what an
// in-process server cannot show: a kill -9 in the middle of work, a SIGTERM, a restart on the same data,
// several instances on one database, the memory of the server alone. Its data is chosen as for the
// in-process kit (test-data.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startNodeFlags } from '../../scripts/start-flags.ts';
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
  /** Sends the signal (to the whole process group with via: 'npm start') and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<Exit>;
  /** SIGTERM, as a deploy stops it; SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
  /** Starts it again once it is gone (kill or stop), on the same port and the same data. */
  start(): Promise<void>;
  /** SIGKILL if it still runs, then removes its data. Safe to call twice. */
  close(): Promise<void>;
};

export type ChildOptions = {
  /** How long start-up may take before the process is killed and the start fails. */
  readyTimeoutMs?: number;
  /**
   * `node` (the default): node src/main.ts, as `npm start` ends up running it. `npm start`: the real
   * `npm start --ignore-scripts` (npm → sh → node) in a process group of its own, as a supervisor starts
   * a service; signals then go to the whole group. --ignore-scripts skips only prestart (the web build).
   */
  via?: 'node' | 'npm start';
};

type Running = { process: ChildProcess; exited: Promise<Exit>; output: () => string; signal: (signal: NodeJS.Signals) => void };

const isGone = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Spawns the server and waits until /healthz answers 200; a process that fails to get there is killed. */
async function launch(env: Record<string, string>, port: string, readyTimeoutMs: number, via: ChildOptions['via']): Promise<Running> {
  const options = { cwd: ROOT, env: { ...process.env, ...env, PORT: port }, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] };
  const child =
    via === 'npm start'
      ? spawn('npm', ['start', '--ignore-scripts', '--silent'], { ...options, detached: true })
      : spawn(process.execPath, [...startNodeFlags(), 'src/main.ts'], options);
  const signal = (sig: NodeJS.Signals) => {
    if (via !== 'npm start') {
      if (!isGone(child)) child.kill(sig);
      return;
    }
    try {
      process.kill(-child.pid!, sig); // the group: npm may be gone while the server it started is not
    } catch {
      // the group is gone already
    }
  };
  let output = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (output = (output + d).slice(-OUTPUT_CHARS)));
  }
  let gone = false;
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, sig) => resolve(sig ?? code)));
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (gone) {
      signal('SIGKILL');
      throw new Error(`the server exited during start-up (${await exited}): ${output.slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      signal('SIGKILL');
      await exited;
      throw new Error(`the server did not answer /healthz within ${readyTimeoutMs} ms: ${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { process: child, exited, output: () => output, signal };
}

/**
 * Starts the server on `env.PORT`, or on a free loopback port, and resolves once /healthz answers.
 * Defaults: HOST=127.0.0.1, RATE_LIMIT=off, LOG_LEVEL=warn (a healthy server then writes nothing).
 */
export async function startChildServer(env: Record<string, string> = {}, options: number | ChildOptions = {}): Promise<ChildServer> {
  const { readyTimeoutMs = 20_000, via = 'node' } = typeof options === 'number' ? { readyTimeoutMs: options } : options;
  const data = await testData(env, 'chipin-child-', 'for-sqlite');
  const fullEnv: Record<string, string> = {
    HOST: '127.0.0.1',
    RATE_LIMIT: 'off',
    LOG_LEVEL: 'warn',
    ...env,
    DATABASE_URL: data.databaseUrl,
  };
  let port = env.PORT;
  let running: Running | undefined;
  try {
    for (let attempt = 1; !running; attempt++) {
      const tryPort = port ?? String(await freePort());
      try {
        running = await launch(fullEnv, tryPort, readyTimeoutMs, via);
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
    current.signal(signal);
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
      current = await launch(fullEnv, port!, readyTimeoutMs, via);
    },
    async close() {
      closed = true;
      await kill('SIGKILL');
      await data.remove();
    },
  };
}

// NATS for tests: whether a server answers, and a nats-server of the test's own (a child process on a free
// loopback port) that a test may stop and start again, since the machine's server must not be touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { freePort } from './free-port.ts';

const READY_TIMEOUT_MS = 5000;

/** undefined when a NATS server answers its INFO at `url`; otherwise why not. */
export async function natsUnavailable(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: hostname, port: Number(port || 4222) });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(2000, () => done(`NATS at ${url} did not answer within 2 s`));
    socket.once('error', (e) => done(`NATS at ${url} is unreachable (${e.message}); set TEST_NATS_URL or start nats-server`));
    socket.once('data', (d) => done(d.toString('latin1').startsWith('INFO ') ? undefined : `${url} answered, but not as NATS`));
  });
}

export const natsServerBinary = (): string | undefined => {
  const r = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
};

export type OwnNats = {
  url: string;
  /** SIGKILL: the server vanishes as in a crash; connections see a reset. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
};

/** A nats-server of the test's own on a free loopback port. */
export async function startOwnNats(binary: string): Promise<OwnNats> {
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const launch = async () => {
    const c = spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    child = c;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while ((await natsUnavailable(url)) !== undefined) {
      if (c.exitCode !== null || Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`nats-server did not start on ${url}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return { url, kill, start: launch, close: kill };
}

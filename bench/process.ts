// Child processes of a benchmark run (servers under test, the load generator) and what the machine reports
// about itself. Children get the highest file limit the machine allows and die with their parent.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GeneratorCommand, GeneratorReply } from './protocol.ts';

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
});

/**
 * Starts `script` on this Node binary under bash, which first raises the soft file limit to the hard
 * one (10,000 sockets need more than the usual 1,024), then execs Node: same pid, IPC channel intact.
 */
export function spawnNode(script: string, nodeArgs: string[], env: Record<string, string>): ChildProcess {
  const child = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'bash', process.execPath, ...nodeArgs, script], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function waitForMessage<T>(
  child: ChildProcess,
  accept: (m: Record<string, unknown>) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: Record<string, unknown>) => {
      if (accept(m)) done(undefined, m as T);
    };
    const onExit = (code: number | null) => done(new Error(`${what}: process exited (${code})`));
    const done = (err?: Error, value?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks a child to stop and waits for it (a clean exit writes --cpu-prof profiles); kills it if it hangs. */
export async function stopChild(child: ChildProcess, graceMs = 8000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** TCP lines of /proc/net/sockstat (system-wide; `mem` is in pages). */
export function sockstat(): { inuse: number; orphan: number; tw: number; alloc: number; memPages: number } {
  try {
    const line =
      readFileSync('/proc/net/sockstat', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('TCP:')) ?? '';
    const get = (k: string) => Number(new RegExp(`\\b${k} (\\d+)`).exec(line)?.[1] ?? Number.NaN);
    return { inuse: get('inuse'), orphan: get('orphan'), tw: get('tw'), alloc: get('alloc'), memPages: get('mem') };
  } catch {
    return { inuse: Number.NaN, orphan: Number.NaN, tw: Number.NaN, alloc: Number.NaN, memPages: Number.NaN };
  }
}

export type Machine = { nproc: number; cpuModel: string; memoryGiB: number; kernel: string; node: string; fileLimit: string };

export function describeMachine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: os.cpus() it is
  }
  let fileLimit = 'unknown';
  try {
    fileLimit = `${/^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.slice(1).join(' soft / ')} hard`;
  } catch {
    // not Linux
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    fileLimit,
  };
}

/**
 * Time the process's main thread (the event loop) spent running and waiting for a CPU, in ms, from
 * /proc/<pid>/schedstat. Waiting means another process had the core: the machine, not the code, was slow.
 */
export function schedstat(pid: number | undefined): { runMs: number; waitMs: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return { runMs: Number.NaN, waitMs: Number.NaN };
  }
}

let clockTicks: number | undefined;

/** CPU time (user + system, all threads) a process has used, in ms, from /proc/<pid>/stat. */
export function processCpuMs(pid: number | undefined): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    // Fields after the command (which is in parentheses and may hold spaces): utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** The commit under test and whether src/ differs from it, so a result names the code it measured. */
export function describeCode(repoDir: string): { commit: string; srcDirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: repoDir, encoding: 'utf8' }).trim() !== '';
    return { commit, srcDirty: dirty };
  } catch {
    return { commit: 'unknown (not a git checkout)', srcDirty: false };
  }
}

/** The orchestrator's side of the load generator's request/reply protocol (bench/load-generator.ts). */
export class GeneratorClient {
  #seq = 0;
  readonly child: ChildProcess;
  readonly timeoutMs: number;
  constructor(timeoutMs: number, child: ChildProcess) {
    this.timeoutMs = timeoutMs;
    this.child = child;
  }
  async call<T>(cmd: GeneratorCommand, timeoutMs = this.timeoutMs): Promise<T> {
    const seq = ++this.#seq;
    const reply = waitForMessage<GeneratorReply>(this.child, (m) => m.seq === seq, timeoutMs, `generator ${cmd.type}`);
    this.child.send({ seq, cmd });
    const r = await reply;
    if (!r.ok) throw new Error(`generator ${cmd.type}: ${r.error}`);
    return r.result as T;
  }
}

// WebKit: WebKitGTK's MiniBrowser, driven by selenium-webdriver (W3C WebDriver, HTTP) through
// WebKitWebDriver, in a virtual X display (Xvfb): MiniBrowser has no headless mode of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Builder, Capabilities, type WebDriver } from 'selenium-webdriver';
import { freePort } from '../../support/free-port.ts';
import { readProblems, watchProblems, within, type Engine, type PageScript, type Tab } from '../engine.ts';

export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const START_MS = 15_000;
const CLOSE_MS = 5000;

/** Starts Xvfb on the first free display (-displayfd: it writes the number it took to fd 3). */
async function startXvfb(): Promise<{ proc: ChildProcess; display: string }> {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d));
  const display = await within(
    new Promise<string>((resolve, reject) => {
      let out = '';
      (proc.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
        out += d;
        if (out.includes('\n')) resolve(`:${out.trim()}`);
      });
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${err.trim().split('\n').pop()}`)));
    }),
    START_MS,
    'starting Xvfb',
  );
  return { proc, display };
}

/** Ends a process we started in a group of its own (detached), with everything it started: asked first, then killed. */
async function stopGroup(proc: ChildProcess | undefined) {
  if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  await within(exited, 2000, 'stopping').catch(() => signal('SIGKILL'));
}

export async function launchWebKit(): Promise<Engine> {
  if (!existsSync(MINIBROWSER)) throw new Error(`${MINIBROWSER} is missing: run "apt-get install -y webkit2gtk-driver"`);
  const xvfb = await startXvfb();
  let driverProc: ChildProcess | undefined;
  try {
    const port = await freePort();
    // In its own process group, so MiniBrowser and its web processes go with it.
    driverProc = spawn('WebKitWebDriver', [`--port=${port}`, '--host=local'], {
      stdio: 'ignore',
      detached: true,
      env: { ...process.env, DISPLAY: xvfb.display, LANG: 'en_US.UTF-8', LANGUAGE: 'en_US' },
    });
    const server = `http://127.0.0.1:${port}`;
    const until = Date.now() + START_MS;
    while (
      !(await fetch(`${server}/status`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (driverProc.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${driverProc.exitCode}`);
      if (Date.now() > until) throw new Error(`WebKitWebDriver did not answer on ${server} within ${START_MS} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const capabilities = new Capabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    });
    const driver = await within(new Builder().usingServer(server).withCapabilities(capabilities).build(), START_MS, 'starting MiniBrowser');
    const version = (await driver.getCapabilities()).getBrowserVersion() ?? 'unknown';
    return webkitEngine(driver, version, async () => {
      await stopGroup(driverProc);
      await stopGroup(xvfb.proc);
    });
  } catch (e) {
    await stopGroup(driverProc);
    await stopGroup(xvfb.proc);
    throw e;
  }
}

function webkitEngine(driver: WebDriver, version: string, stop: () => Promise<void>): Engine {
  // WebDriver drives one window at a time: every step switches to its tab first, and steps never interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step);
    queue = next.catch(() => undefined);
    return next;
  };
  let current: string | undefined;
  const focus = async (handle: string) => {
    if (current !== handle) await driver.switchTo().window(handle);
    current = handle;
  };
  const handles = new Set<string>();
  /** Problems of documents already navigated away from. */
  const problems: string[] = [];
  let first = true;

  // No page-error event over WebDriver classic: the listeners go in once the page has loaded, so an
  // error thrown while the app's module first runs shows as the app not rendering, not in this list.
  const exec = <A, R>(script: PageScript<A, R>, arg: A) => driver.executeScript<R>(script, arg);

  const tab = (handle: string): Tab => ({
    goto: (url) =>
      serial(async () => {
        await focus(handle);
        problems.push(...((await exec(readProblems, null).catch(() => [])) as string[]));
        await driver.get(url);
        await exec(watchProblems, null);
      }),
    run: (script, arg) =>
      serial(async () => {
        await focus(handle);
        return exec(script, arg);
      }),
    close: () =>
      serial(async () => {
        await focus(handle);
        problems.push(...((await exec(readProblems, null).catch(() => [])) as string[]));
        handles.delete(handle);
        await driver.close();
        current = undefined;
        const [next] = handles;
        if (next) await focus(next);
      }),
  });

  return {
    name: 'webkit',
    version,
    async open(url) {
      const handle = await serial(async () => {
        // The session starts with one window; later tabs are new windows of the same browsing profile.
        if (first) first = false;
        else await driver.switchTo().newWindow('tab');
        const h = await driver.getWindowHandle();
        current = h;
        handles.add(h);
        return h;
      });
      const t = tab(handle);
      await t.goto(url);
      return t;
    },
    problems: () =>
      serial(async () => {
        const all = [...problems];
        for (const h of handles) {
          await focus(h);
          all.push(...((await exec(readProblems, null).catch(() => [])) as string[]));
        }
        return [...new Set(all)];
      }),
    async close() {
      await within(driver.quit(), CLOSE_MS, 'closing MiniBrowser').catch(() => undefined);
      await stop();
    },
  };
}

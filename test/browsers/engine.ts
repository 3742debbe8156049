// The driver adapter the browser-matrix scenario is written against: open a page, run a script in it
// and read back its value, close. Each engine (Blink, Gecko, WebKit) implements it over its own driver.
export type EngineName = 'chromium' | 'firefox' | 'webkit';

/**
 * A script run in the page. Drivers send its source text, not a closure: it sees nothing of the test's
 * scope, only its one JSON argument, and returns a JSON value (or a promise of one).
 */
export type PageScript<A, R> = (arg: A) => R | Promise<R>;

export interface Tab {
  /** Loads `url` in this tab and waits for the document's load event. */
  goto(url: string): Promise<void>;
  run<A, R>(script: PageScript<A, R>, arg: A): Promise<R>;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  /** The browser's own version string, as its driver reports it. */
  readonly version: string;
  /** A new tab in the engine's one profile (shared cookies, storage and Web Locks), at `url`. */
  open(url: string): Promise<Tab>;
  /** Uncaught errors and CSP refusals seen in this engine's pages so far. */
  problems(): Promise<string[]>;
  /** Ends the browser and what the adapter started for it (a graceful close, then a kill). */
  close(): Promise<void>;
}

export type Launch = () => Promise<Engine>;

/**
 * What every adapter installs in each page it loads: listeners that keep uncaught errors, unhandled
 * rejections and CSP refusals on `window`, so drivers without a page-error event still report them.
 */
export const watchProblems: PageScript<null, void> = () => {
  const w = window as unknown as { chipinProblems?: string[] };
  if (w.chipinProblems) return;
  const list: string[] = (w.chipinProblems = []);
  addEventListener('error', (e) => list.push(`uncaught: ${e.message}`));
  addEventListener('unhandledrejection', (e) => list.push(`unhandled rejection: ${String(e.reason)}`));
  document.addEventListener('securitypolicyviolation', (e) => list.push(`csp: ${e.violatedDirective} refused ${e.blockedURI}`));
};

export const readProblems: PageScript<null, string[]> = () => (window as unknown as { chipinProblems?: string[] }).chipinProblems ?? [];

/** The little the tabs use of a page object, in the drivers that have them (playwright-core's, puppeteer-core's). */
export interface DriverPage {
  goto(url: string, options: { waitUntil: 'load' }): Promise<unknown>;
  evaluate(script: (arg: unknown) => unknown, arg: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The tabs of an engine whose driver hands out page objects (the Chromium and Firefox adapters): `open`
 * wraps a page already set up by the adapter as a Tab at `url`; `problems` is what the driver itself
 * reported (the adapter pushes to `reported`) with what every open page has kept on `window`.
 */
export function driverTabs() {
  const reported: string[] = [];
  const pages = new Set<DriverPage>();
  // The drivers' own typings want their function types; the script is the same function either way.
  const run = <A, R>(page: DriverPage, script: PageScript<A, R>, arg: A) =>
    page.evaluate(script as (a: unknown) => unknown, arg) as Promise<R>;

  const tab = (page: DriverPage): Tab => ({
    async goto(url) {
      await page.goto(url, { waitUntil: 'load' });
    },
    run: (script, arg) => run(page, script, arg),
    async close() {
      pages.delete(page);
      await page.close();
    },
  });

  return {
    reported,
    async open(page: DriverPage, url: string): Promise<Tab> {
      pages.add(page);
      const t = tab(page);
      await t.goto(url);
      return t;
    },
    async problems(): Promise<string[]> {
      const inPages = await Promise.all([...pages].map((p) => run(p, readProblems, null).catch(() => [])));
      return [...new Set([...reported, ...inPages.flat()])];
    },
  };
}

/** Resolves with `promise`, or rejects after `ms` with "<what> took longer than <ms> ms". */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// Gecko: Debian's Firefox ESR, driven by puppeteer-core over WebDriver BiDi (puppeteer's protocol for Firefox).
import puppeteer, { type Page } from 'puppeteer-core';
import { readProblems, watchProblems, within, type Engine, type PageScript, type Tab } from '../engine.ts';

export const FIREFOX = '/usr/bin/firefox-esr';
const CLOSE_MS = 5000;

export async function launchFirefox(): Promise<Engine> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    // English amounts ("$15.00") whatever the machine's locale; no first-run or update traffic.
    extraPrefsFirefox: { 'intl.locale.requested': 'en-US', 'intl.accept_languages': 'en-US', 'app.update.enabled': false },
  });
  const problems: string[] = [];
  const pages = new Set<Page>();

  const tab = (page: Page): Tab => ({
    async goto(url) {
      await page.goto(url, { waitUntil: 'load' });
    },
    run: <A, R>(script: PageScript<A, R>, arg: A) => page.evaluate(script as (a: unknown) => unknown, arg) as Promise<R>,
    async close() {
      pages.delete(page);
      await page.close();
    },
  });

  return {
    name: 'firefox',
    version: await browser.version(),
    async open(url) {
      const page = await browser.newPage();
      pages.add(page);
      page.on('pageerror', (e) => problems.push(`uncaught: ${e instanceof Error ? e.message : String(e)}`));
      await page.evaluateOnNewDocument(watchProblems, null);
      const t = tab(page);
      await t.goto(url);
      return t;
    },
    async problems() {
      const inPages = await Promise.all([...pages].map((p) => p.evaluate(readProblems, null).catch(() => [])));
      return [...new Set([...problems, ...inPages.flat()])];
    },
    async close() {
      const proc = browser.process();
      await within(browser.close(), CLOSE_MS, 'closing Firefox').catch(() => proc?.kill('SIGKILL'));
    },
  };
}

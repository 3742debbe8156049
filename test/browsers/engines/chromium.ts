// Blink: Debian's Chromium, driven by playwright-core over the Chrome DevTools Protocol.
import { chromium, type Page } from 'playwright-core';
import { readProblems, watchProblems, within, type Engine, type PageScript, type Tab } from '../engine.ts';

export const CHROMIUM = '/usr/bin/chromium';
const CLOSE_MS = 5000;

export async function launchChromium(): Promise<Engine> {
  // launchServer rather than launch: it hands back the browser's process, so a stuck browser can be killed.
  const server = await chromium.launchServer({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const browser = await chromium.connect(server.wsEndpoint());
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
  await context.addInitScript(watchProblems, null);
  const problems: string[] = [];
  const pages = new Set<Page>();
  context.on('weberror', (e) => problems.push(`uncaught: ${e.error().message}`));

  const tab = (page: Page): Tab => ({
    async goto(url) {
      await page.goto(url, { waitUntil: 'load' });
    },
    // The drivers' own typings want their function types; the script is the same function either way.
    run: <A, R>(script: PageScript<A, R>, arg: A) => page.evaluate(script as (a: unknown) => unknown, arg) as Promise<R>,
    async close() {
      pages.delete(page);
      await page.close();
    },
  });

  return {
    name: 'chromium',
    version: browser.version(),
    async open(url) {
      const page = await context.newPage();
      pages.add(page);
      const t = tab(page);
      await t.goto(url);
      return t;
    },
    async problems() {
      const inPages = await Promise.all([...pages].map((p) => p.evaluate(readProblems, null).catch(() => [])));
      return [...new Set([...problems, ...inPages.flat()])];
    },
    async close() {
      await within(browser.close(), CLOSE_MS, 'closing Chromium').catch(() => undefined);
      await within(server.close(), CLOSE_MS, 'stopping Chromium').catch(() => server.kill());
    },
  };
}

// Blink: Debian's Chromium, driven by playwright-core over the Chrome DevTools Protocol.
import { chromium } from 'playwright-core';
import { driverTabs, watchProblems, within, type Engine } from '../engine.ts';

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
  const tabs = driverTabs();
  context.on('weberror', (e) => tabs.reported.push(`uncaught: ${e.error().message}`));

  return {
    name: 'chromium',
    version: browser.version(),
    async open(url) {
      return tabs.open(await context.newPage(), url);
    },
    problems: () => tabs.problems(),
    async close() {
      await within(browser.close(), CLOSE_MS, 'closing Chromium').catch(() => undefined);
      await within(server.close(), CLOSE_MS, 'stopping Chromium').catch(() => server.kill());
    },
  };
}

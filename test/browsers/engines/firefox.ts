// Gecko: Debian's Firefox ESR, driven by puppeteer-core over WebDriver BiDi (puppeteer's protocol for Firefox).
import puppeteer from 'puppeteer-core';
import { driverTabs, watchProblems, within, type Engine } from '../engine.ts';

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
  const tabs = driverTabs();

  return {
    name: 'firefox',
    version: await browser.version(),
    async open(url) {
      const page = await browser.newPage();
      page.on('pageerror', (e) => tabs.reported.push(`uncaught: ${e instanceof Error ? e.message : String(e)}`));
      await page.evaluateOnNewDocument(watchProblems, null);
      return tabs.open(page, url);
    },
    problems: () => tabs.problems(),
    async close() {
      const proc = browser.process();
      await within(browser.close(), CLOSE_MS, 'closing Firefox').catch(() => proc?.kill('SIGKILL'));
    },
  };
}

import { startTestServer } from '../support/server.ts';
import { WEB_ROOT } from '../e2e/browser.ts';
import { launchChromium } from './engines/chromium.ts';
import { launchFirefox } from './engines/firefox.ts';
import { launchWebKit } from './engines/webkit.ts';
const server = await startTestServer({ WEB_ROOT });
for (const launch of [launchChromium, launchFirefox, launchWebKit]) {
  const t0 = Date.now();
  try {
    const e = await launch();
    console.log(e.name, e.version, 'launch ms', Date.now() - t0);
    const tab = await e.open(`${server.url}/signin`);
    await new Promise((r) => setTimeout(r, 1000));
    console.log(await tab.run(() => ({ t: document.title, locks: !!navigator.locks, bc: typeof BroadcastChannel, h: document.querySelector('h2')?.textContent, secure: isSecureContext, lang: navigator.language, fmt: new Intl.NumberFormat(undefined, {style:'currency', currency:'USD'}).format(15) }), null));
    console.log(await tab.run(async (x: number) => { await new Promise((r) => setTimeout(r, 10)); return x + 1; }, 41));
    const tab2 = await e.open(`${server.url}/signin`);
    console.log('tab2', await tab2.run(() => location.href, null));
    console.log('problems', await e.problems());
    await tab2.close();
    console.log('tab1 after close', await tab.run(() => location.href, null));
    await e.close();
    console.log('total ms', Date.now() - t0);
  } catch (err) { console.log('FAIL', err); }
}
await server.close();

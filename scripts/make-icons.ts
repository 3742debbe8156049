// `node scripts/make-icons.ts`: renders the app icons in web/public/icons from web/public/favicon.svg with
// Chromium (the same renderer the app's users see, so the "c" keeps its system font), for the web app
// manifest. Run it again after changing the favicon, and commit the PNGs.
//   icon-192.png, icon-512.png     the round favicon on a transparent square ("purpose": "any")
//   maskable-512.png               full-bleed brand colour, the glyph inside the central 80% safe zone
//                                  (W3C Web App Manifest, "maskable" icons)
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const svg = readFileSync(here('../web/public/favicon.svg'), 'utf8');
const out = here('../web/public/icons/');
mkdirSync(out, { recursive: true });

const maskable = svg
  .replace('<circle cx="16" cy="16" r="15" fill="#0f766e"/>', '<rect width="32" height="32" fill="#0f766e"/>')
  .replace('font-size="17"', 'font-size="15"')
  .replace('y="22"', 'y="21.2"');

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  for (const [name, size, source] of [
    ['icon-192.png', 192, svg],
    ['icon-512.png', 512, svg],
    ['maskable-512.png', 512, maskable],
  ] as const) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const sized = source.replace('<svg ', `<svg width="${size}" height="${size}" `);
    await page.setContent(`<html><body style="margin:0;background:transparent">${sized}</body></html>`);
    await page.locator('svg').screenshot({ path: out + name, omitBackground: true });
    await page.close();
  }
} finally {
  await browser.close();
}

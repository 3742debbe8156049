// axe-core (a dev dependency) run inside the page, and a contrast check of form-control borders.
// Injected with evaluate, which the page's CSP does not govern (a <script> tag would be refused, as it should).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

type AxeResult = { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };

/** axe's WCAG 2.x A/AA rules and best practices: every violation fails, listed with its elements. */
export async function expectNoAxeViolations(page: Page, where: string) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(ctx: Document, o: object): Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }),
  )) as AxeResult;
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(found, [], `axe on ${where}`);
}

const luminance = ([r, g, b]: number[]) => {
  const lin = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
};
/** WCAG 2.2 contrast ratio of two opaque sRGB colours. */
export const contrast = (a: number[], b: number[]) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

/** Every visible text input and select: its border against what is behind it, at least 3:1 (SC 1.4.11). */
export async function expectInputBorders(page: Page, where: string) {
  const pairs = await page.evaluate(() => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const behind = (el: Element): number[] => {
      for (let e: Element | null = el.parentElement; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    return [...document.querySelectorAll('input:not([type=checkbox]):not([type=radio]), select')]
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .map((el) => ({ id: el.id, border: rgb(getComputedStyle(el).borderTopColor).slice(0, 3), behind: behind(el) }));
  });
  assert.ok(pairs.length > 0, `${where}: some inputs to check`);
  for (const p of pairs)
    assert.ok(
      contrast(p.border, p.behind) >= 3,
      `${where}: #${p.id} border ${p.border} on ${p.behind} is ${contrast(p.border, p.behind).toFixed(2)}:1`,
    );
}

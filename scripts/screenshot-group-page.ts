// The README's pictures of the group page, wide (1280×800) and on a phone (390×844): Alice, Bob and Carol
// share a few bills in euros, seen by Alice; then the live toast on Bob's page as Alice adds one more. Run
// by hand after a change to the page's look (it needs the built app, npm run build:web, and Chromium):
//   node_modules/.bin/node scripts/screenshot-group-page.ts
import { call, groupWith, register } from '../test/support/api.ts';
import { startTestServer } from '../test/support/server.ts';
import {
  SCREENSHOTS,
  WEB_ROOT,
  assertBuilt,
  expandBill,
  launchBrowser,
  newPerson,
  signInWithToken,
  waitLive,
} from '../test/e2e/browser.ts';

assertBuilt();
const server = await startTestServer({ WEB_ROOT });
const browser = await launchBrowser();
try {
  const [alice, bob, carol] = [await register(server.url, 'Alice'), await register(server.url, 'Bob'), await register(server.url, 'Carol')];
  const groupId = await groupWith(server.url, alice, [bob, carol], 'EUR');
  const everyone = [alice.id, bob.id, carol.id];
  const bill = async (by: typeof alice, description: string, amount: number) =>
    (
      await call(server.url, 'POST', `/api/groups/${groupId}/bills`, {
        token: by.token,
        body: { description, amount, split: { mode: 'equal', among: everyone } },
      })
    ).body.bill as { id: string };
  await bill(alice, 'Train tickets', 13500);
  const groceries = await bill(bob, 'Groceries', 8460);
  await bill(carol, 'Museum', 4500);
  await bill(alice, 'Cabin, three nights', 42000);
  await call(server.url, 'POST', `/api/bills/${groceries.id}/pay`, { token: carol.token });

  /** The group page as one person sees it, wide, loaded and live. */
  const groupPageOf = async (person: typeof alice) => {
    const context = await newPerson(browser, { width: 1280, height: 800 });
    await signInWithToken(context, server.url, person);
    const page = await context.newPage();
    await page.goto(`${server.url}/groups/${groupId}`);
    await page.locator('.position-headline', { hasText: 'You' }).waitFor();
    await waitLive(page);
    return page;
  };

  const page = await groupPageOf(alice);
  await expandBill(page, 'Cabin, three nights');
  await page.screenshot({ path: `${SCREENSHOTS}group-page.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS}group-page-phone.png` });

  // Bob's page the moment Alice adds a bill he owes part of: the live toast.
  const bobPage = await groupPageOf(bob);
  await bill(alice, 'Dinner', 9000);
  const toast = bobPage.locator('.toast', { hasText: 'Alice added Dinner' });
  await toast.waitFor();
  await toast.screenshot({ path: `${SCREENSHOTS}live-toast.png` });
  await bobPage.screenshot({ path: `${SCREENSHOTS}live-toast-page.png` });
  console.log(`wrote ${SCREENSHOTS}group-page.png, group-page-phone.png, live-toast.png and live-toast-page.png`);
} finally {
  await browser.close();
  await server.close();
}

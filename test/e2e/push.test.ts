// Issue 14, the web app: the service worker, the "Notifications on this device" switch, seen reports and
// the preferences page, in Chromium against the real server.
//
// What is real and what is simulated:
// - Real: the worker's registration at /sw.js; a push delivered by Chromium's own push path to the worker
//   (DevTools protocol ServiceWorker.deliverPushMessage, which skips only the network push service and
//   the decryption); the worker's push handler and showNotification; the notifications the browser then
//   holds (registration.getNotifications()); the permission prompt's refusal (headless Chromium refuses
//   it); every request to the server.
// - Simulated: the click on a system notification (no browser automation can click one): the test
//   dispatches a NotificationEvent for the shown notification to the worker's real notificationclick
//   listener. Such an event is not a user gesture, so the worker's tab.focus() is refused and only the
//   navigation is checked; opening a new window when no tab is open is not checked (openWindow is
//   refused too). The push payload is the server's shape, written by the test: the server encrypts for a
//   push service, which Chromium cannot be pointed at.
// - Simulated: PushManager.subscribe in the switch's round trip. Chromium gives no push subscription in
//   an incognito profile (Playwright's contexts are) and would need Google's FCM otherwise; the test puts
//   a subscription object in its place (a real P-256 key) so that what the page sends the server is real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { billFor, call, groupWith, register, type TestUser } from '../support/api.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { assertBuilt, newPerson, openBrowser, signInWithToken, toast, waitLive, TEST_TIMEOUT_MS, WEB_ROOT } from './browser.ts';

/** The loopback push service origin the switch's fake subscription points at (never called: no bill is made). */
const PUSH_ORIGIN = 'https://127.0.0.1:9';

type Setup = { server: TestServer; alice: TestUser; bob: TestUser; groupId: string; context: BrowserContext; page: Page };

/** Alice and Bob in a group; Bob's profile signed in, on the groups page. */
async function setup(t: import('node:test').TestContext, options: { grant?: boolean } = {}): Promise<Setup> {
  assertBuilt();
  const server = await startTestServer({ WEB_ROOT, PUSH_ALLOWED_ORIGINS: PUSH_ORIGIN });
  t.after(() => server.close());
  const browser = await openBrowser(t);
  const alice = await register(server.url, 'Alice');
  const bob = await register(server.url, 'Bob');
  const groupId = await groupWith(server.url, alice, [bob]);
  const context = await newPerson(browser);
  await signInWithToken(context, server.url, bob);
  if (options.grant) await context.grantPermissions(['notifications'], { origin: server.url });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { level: 1, name: 'Your groups' }).waitFor();
  return { server, alice, bob, groupId, context, page };
}

type Shown = { title: string; body: string; tag: string; data: { id?: string; type?: string; url?: string } };

const shownNotifications = (page: Page) =>
  page.evaluate(async () =>
    (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data as Shown['data'],
    })),
  );

async function waitShown(page: Page, title: string): Promise<Shown[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const shown = await shownNotifications(page);
    if (shown.some((n) => n.title === title)) return shown;
    if (Date.now() > until) {
      const state = await page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'no controller');
      assert.fail(`no notification "${title}" within 10 s (shown: ${JSON.stringify(shown)}; worker ${state})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a push shows a notification (one per bill), and a click on it opens the bill in the open tab', {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const { server, alice, bob, groupId, context, page } = await setup(t, { grant: true });

  // The worker registers at the site's root scope, served by the server's static route under the CSP.
  // `ready` resolves once the worker is activating; pushes are dispatched to an activated worker, so this
  // waits for "activated" too. (One full run showed no notification for the first push; this was the one
  // precondition the test did not hold. The failure message now says the worker's state.)
  const scope = await page.evaluate(() =>
    Promise.race([
      navigator.serviceWorker.ready.then(async (r) => {
        const worker = r.active;
        if (worker && worker.state !== 'activated')
          await new Promise<void>((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
        return r.scope;
      }),
      new Promise<string>((resolve) => setTimeout(() => resolve('no activated service worker within 10 s'), 10_000)),
    ]),
  );
  assert.equal(scope, `${server.url}/`);
  const sw = await fetch(`${server.url}/sw.js`);
  assert.equal(sw.status, 200);
  assert.match(sw.headers.get('content-type') ?? '', /javascript/);
  assert.match(sw.headers.get('content-security-policy') ?? '', /worker-src 'self'/);

  // The DevTools protocol names the registration; deliverPushMessage needs its id.
  const cdp = await context.newCDPSession(page);

  // The manifest: Chromium finds it from index.html and parses it without errors; every icon it names
  // is served as a PNG of the declared size (read from the PNG header). Chromium's own installability
  // check cannot be used here: in an incognito profile (Playwright's contexts are) it stops at that.
  const manifest = await cdp.send('Page.getAppManifest');
  assert.equal(manifest.url, `${server.url}/manifest.webmanifest`);
  assert.deepEqual(manifest.errors, []);
  const parsed = JSON.parse(manifest.data ?? '{}') as {
    display?: string;
    start_url?: string;
    theme_color?: string;
    icons?: { src: string; sizes: string; type: string }[];
  };
  assert.equal(parsed.display, 'standalone');
  assert.equal(parsed.start_url, '/');
  assert.equal(parsed.theme_color, '#0f766e');
  const pngs = (parsed.icons ?? []).filter((i) => i.type === 'image/png');
  assert.deepEqual(pngs.map((i) => i.sizes).sort(), ['192x192', '512x512', '512x512']);
  for (const icon of pngs) {
    const res = await fetch(new URL(icon.src, server.url));
    assert.equal(res.status, 200, icon.src);
    const png = Buffer.from(await res.arrayBuffer());
    assert.equal(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.sizes, `${icon.src} is ${icon.sizes}`);
  }

  const registrations = new Map<string, string>();
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
    for (const r of e.registrations) if (!r.isDeleted) registrations.set(r.scopeURL, r.registrationId);
  });
  await cdp.send('ServiceWorker.enable');
  const until = Date.now() + 10_000;
  while (!registrations.has(`${server.url}/`)) {
    if (Date.now() > until) assert.fail('no ServiceWorker.workerRegistrationUpdated for the site scope');
    await new Promise((r) => setTimeout(r, 50));
  }
  const registrationId = registrations.get(`${server.url}/`)!;

  const bill = await billFor(server.url, alice, groupId, [bob], 5000, 'Dinner');
  const inbox = await call(server.url, 'GET', '/api/notifications', { token: bob.token });
  const stored = inbox.body.notifications.find((n: { type: string }) => n.type === 'bill.created');
  assert.ok(stored, 'Bob has the bill.created notification');
  // The payload the server sends (issue 14): {id, type, title, body, url, data}.
  const push = (id: string, type: string, title: string) =>
    cdp.send('ServiceWorker.deliverPushMessage', {
      origin: server.url,
      registrationId,
      data: JSON.stringify({ id, type, title, body: 'Trip', url: `/bills/${bill.id}`, data: stored.data }),
    });

  await push(stored.id, 'bill.created', 'Alice added Dinner — you owe $25.00');
  let shown = await waitShown(page, 'Alice added Dinner — you owe $25.00');
  assert.equal(shown.length, 1);
  assert.deepEqual(shown[0], {
    title: 'Alice added Dinner — you owe $25.00',
    body: 'Trip',
    tag: `bill:${bill.id}`,
    data: { id: stored.id, type: 'bill.created', url: `/bills/${bill.id}` },
  });

  // A newer push about the same bill replaces the notification rather than adding one.
  await push(String(Number(stored.id) + 1), 'bill.paid', 'Bob paid $25.00 for Dinner');
  shown = await waitShown(page, 'Bob paid $25.00 for Dinner');
  assert.deepEqual(
    shown.map((n) => n.title),
    ['Bob paid $25.00 for Dinner'],
  );

  // The click (simulated, see the top of the file) goes through the worker's real listener; the open tab
  // navigates to the bill inside the app, without a reload.
  await page.evaluate(() => ((window as unknown as { untouched: boolean }).untouched = true));
  const [worker] = context.serviceWorkers();
  assert.ok(worker, 'Playwright sees the service worker');
  await worker.evaluate(async () => {
    // The worker's global scope (the test's lib is the DOM's, which has no worker types).
    type Scope = {
      registration: ServiceWorkerRegistration;
      dispatchEvent(e: Event): boolean;
      NotificationEvent: new (type: string, init: { notification: Notification }) => Event;
    };
    const scope = self as unknown as Scope;
    const [notification] = await scope.registration.getNotifications();
    const event = new scope.NotificationEvent('notificationclick', { notification });
    // waitUntil throws on an untrusted event; keep the listener's promise and wait for it instead.
    let work: Promise<unknown> = Promise.resolve();
    Object.defineProperty(event, 'waitUntil', { value: (p: Promise<unknown>) => void (work = p) });
    scope.dispatchEvent(event);
    await work;
  });
  await page.getByRole('heading', { level: 1, name: 'Dinner' }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/bills/${bill.id}`);
  assert.equal(await page.evaluate(() => (window as unknown as { untouched?: boolean }).untouched), true, 'the tab navigated in place');
  assert.deepEqual(await shownNotifications(page), [], 'the clicked notification is closed');
});

test('the device switch asks for permission only when clicked, and says so when the browser refuses', {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const { server, page } = await setup(t);
  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/push/')) asked.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${server.url}/settings/notifications`);
  await page.getByRole('heading', { level: 1, name: 'Notification settings' }).waitFor();
  const device = page.locator('section', { has: page.getByRole('heading', { name: 'Notifications on this device' }) });
  await device.locator('[role="status"]', { hasText: /^Off\./ }).waitFor();
  assert.equal(await page.evaluate(() => Notification.permission), 'default', 'opening the page asks nothing');

  // Headless Chromium answers the prompt with a refusal: the switch shows "blocked" and how to undo it.
  await device.getByRole('button', { name: 'Turn on for this device' }).click();
  await device
    .getByRole('status')
    .getByText(/^Blocked\. .*site settings/)
    .waitFor();
  assert.equal(await device.getAttribute('data-push-state'), 'blocked');
  assert.equal(await device.getByRole('button').count(), 0, 'nothing to click while blocked');
  assert.deepEqual(asked, [], 'no subscription without permission');
});

/** Replaces PushManager's subscription with one the test holds (see the top of the file). */
async function fakeSubscriptions(context: BrowserContext) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
  const endpoint = `${PUSH_ORIGIN}/push/${randomBytes(8).toString('hex')}`;
  await context.addInitScript(
    ({ endpoint, keys }) => {
      type Fake = {
        endpoint: string;
        expirationTime: null;
        options: { userVisibleOnly: boolean; applicationServerKey: ArrayBuffer };
        toJSON(): unknown;
        unsubscribe(): Promise<boolean>;
      };
      const w = window as unknown as { pushTest: { current: Fake | null; keyUsed: string | undefined } };
      w.pushTest = { current: null, keyUsed: undefined };
      PushManager.prototype.getSubscription = async () => w.pushTest.current as unknown as PushSubscription | null;
      PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
        const raw = options?.applicationServerKey as Uint8Array;
        const key = new Uint8Array(raw).buffer;
        w.pushTest.keyUsed = btoa(String.fromCharCode(...new Uint8Array(key)))
          .replace(/\+/g, '-')
          .replace(/\//g, '_')
          .replace(/=+$/, '');
        w.pushTest.current = {
          endpoint,
          expirationTime: null,
          options: { userVisibleOnly: options?.userVisibleOnly ?? false, applicationServerKey: key },
          toJSON: () => ({ endpoint, expirationTime: null, keys }),
          unsubscribe: async () => {
            w.pushTest.current = null;
            return true;
          },
        };
        return w.pushTest.current as unknown as PushSubscription;
      };
    },
    { endpoint, keys },
  );
  return { endpoint, keys };
}

test('turning the device on registers its subscription with the VAPID key, and off removes it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { server, bob, context, page } = await setup(t, { grant: true });
  const fake = await fakeSubscriptions(context);
  await page.goto(`${server.url}/settings/notifications`);
  const device = page.locator('section', { has: page.getByRole('heading', { name: 'Notifications on this device' }) });
  await page.locator('section.device-push[data-push-state="off"]').waitFor();

  const posted = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/push/subscriptions');
  await device.getByRole('button', { name: 'Turn on for this device' }).click();
  const request = await posted;
  assert.deepEqual(request.postDataJSON(), { endpoint: fake.endpoint, expirationTime: null, keys: fake.keys });
  assert.equal((await request.response())?.status(), 201);
  await device.getByRole('status').getByText(/^On\./).waitFor();

  const { publicKey } = (await call(server.url, 'GET', '/api/push/public-key')).body;
  assert.equal(
    await page.evaluate(() => (window as unknown as { pushTest: { keyUsed?: string } }).pushTest.keyUsed),
    publicKey,
    "subscribed with the server's VAPID key",
  );
  const listed = await call(server.url, 'GET', '/api/push/subscriptions', { token: bob.token });
  assert.deepEqual(
    listed.body.subscriptions.map((s: { endpoint: string }) => s.endpoint),
    [fake.endpoint],
  );

  await device.getByRole('button', { name: 'Turn off on this device' }).click();
  await device
    .getByRole('status')
    .getByText(/^Off\./)
    .waitFor();
  const after = await call(server.url, 'GET', '/api/push/subscriptions', { token: bob.token });
  assert.deepEqual(after.body.subscriptions, [], 'the server forgot the device');
});

test('a toast on a visible page is reported as seen, with its id', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { server, alice, bob, groupId, page } = await setup(t);
  await waitLive(page);
  assert.equal(await page.evaluate(() => document.visibilityState), 'visible');
  const seen = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/notifications/seen');
  await billFor(server.url, alice, groupId, [bob], 3000, 'Taxi');
  await toast(page, 'Alice added Taxi').waitFor();
  const id = await page.locator('.toast', { hasText: 'Alice added Taxi' }).getAttribute('data-notification-id');
  const request = await seen;
  assert.deepEqual(request.postDataJSON(), { upTo: id });
  assert.equal((await request.response())?.status(), 204);
});

test('the preferences page reads and saves the whole object; the inbox and live stream are not switchable', {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const { server, bob, page } = await setup(t);
  await page.goto(`${server.url}/settings/notifications`);
  await page.getByRole('heading', { name: 'What reaches you, and how' }).waitFor();
  await page.getByText('cannot be switched off').waitFor();

  const email = page.getByRole('checkbox', { name: 'Email: Someone adds a bill you share' });
  const push = page.getByRole('checkbox', { name: 'Push: Someone adds a bill you share' });
  // The defaults: push on for every type; email on for bill.created, bill.paid, bill.cancelled.
  assert.equal(await push.isChecked(), true);
  assert.equal(await email.isChecked(), true);
  assert.equal(await page.getByRole('checkbox', { name: 'Email: Someone adds you to a group' }).isChecked(), false);

  await email.uncheck();
  const put = page.waitForRequest((r) => r.method() === 'PUT' && new URL(r.url()).pathname === '/api/me/notification-preferences');
  await page.getByRole('button', { name: 'Save' }).click();
  const sent = (await put).postDataJSON() as { preferences: Record<string, { push: boolean; email: boolean }> };
  const before = (await call(server.url, 'GET', '/api/me/notification-preferences', { token: bob.token })).body.preferences;
  assert.deepEqual(Object.keys(sent.preferences).sort(), Object.keys(before).sort(), 'the whole object is sent');
  await page.getByRole('status').getByText('Saved.').waitFor();
  assert.deepEqual(before['bill.created'], { push: true, email: false });

  await page.reload();
  await page.getByRole('heading', { name: 'What reaches you, and how' }).waitFor();
  await page.getByRole('checkbox', { name: 'Email: Someone adds a bill you share' }).waitFor();
  assert.equal(await page.getByRole('checkbox', { name: 'Email: Someone adds a bill you share' }).isChecked(), false);
  assert.equal(await page.getByRole('checkbox', { name: 'Push: Someone adds a bill you share' }).isChecked(), true);
});

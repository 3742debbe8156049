// Chipin's service worker, served at /sw.js so its scope is the whole site. It has two jobs (issue 14):
// show a Web Push message as a system notification, and bring the user to the bill when they click it.
// It caches nothing: the app is served fresh (index.html is no-cache) and works only online anyway.
// Plain JavaScript in web/public (copied as is by Vite): a service worker script must keep a stable URL,
// and a hashed bundle would not.

/** @typedef {{ id: string, type: string, title: string, body: string, url: string, data?: Record<string, unknown> }} PushPayload */

self.addEventListener('install', () => {
  // A new version takes over at once: the worker holds no state and no cache that an old page relies on.
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  // Control the tabs already open, so a click can reach them (Clients API, W3C Service Workers §4.3).
  event.waitUntil(self.clients.claim());
});

self.addEventListener('push', (event) => {
  event.waitUntil(show(event.data));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openTarget(event.notification.data?.url));
});

/** @param {PushMessageData | null} data */
async function show(data) {
  /** @type {Partial<PushPayload>} */
  let payload = {};
  try {
    payload = data ? data.json() : {};
  } catch {
    // Not JSON: a push service or a sender this worker does not know. Still tell the user something
    // happened; Chrome would show a generic notice of its own if the push showed nothing.
    payload = { body: data ? data.text() : '' };
  }
  const title = typeof payload.title === 'string' && payload.title ? payload.title : 'Chipin';
  const url = sameOriginPath(payload.url);
  await self.registration.showNotification(title, {
    body: typeof payload.body === 'string' ? payload.body : '',
    // One notification per bill: a newer message about it (paid after added) replaces the older one,
    // and renotify lets the replacement alert again (Notifications API, "tag" and "renotify").
    tag: tagOf(payload),
    renotify: true,
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    lang: 'en',
    timestamp: Date.now(),
    data: { id: payload.id, type: payload.type, url },
  });
  // Tell open Chipin tabs (tests read this; the app does not need it).
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const tab of tabs) tab.postMessage({ type: 'chipin:notification-shown', id: payload.id, title, tag: tagOf(payload) });
}

/** @param {Partial<PushPayload>} payload */
function tagOf(payload) {
  const data = payload.data && typeof payload.data === 'object' ? payload.data : {};
  const bill = /** @type {{ id?: unknown } | undefined} */ (data.bill);
  const group = /** @type {{ id?: unknown } | undefined} */ (data.group);
  if (bill && typeof bill.id === 'string') return `bill:${bill.id}`;
  if (group && typeof group.id === 'string') return `group:${group.id}`;
  return `notification:${payload.id ?? 'unknown'}`;
}

/**
 * The deep link as a path on this site. A payload naming another origin is not followed: the worker
 * only ever opens Chipin itself.
 * @param {unknown} url
 */
function sameOriginPath(url) {
  if (typeof url !== 'string') return '/';
  try {
    const u = new URL(url, self.location.origin);
    return u.origin === self.location.origin ? u.pathname + u.search + u.hash : '/';
  } catch {
    return '/';
  }
}

/**
 * Focuses an open Chipin tab and sends it to `url`, or opens a new one. The tab navigates itself within
 * the app (no reload) on the message; a tab that does not answer it (an old version) is navigated by the
 * worker, which WindowClient.navigate allows only for tabs this worker controls.
 * @param {unknown} url
 */
async function openTarget(url) {
  const path = sameOriginPath(url);
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = tabs.find((t) => t.focused) ?? tabs.find((t) => t.visibilityState === 'visible') ?? tabs[0];
  if (!tab) {
    await self.clients.openWindow(path);
    return;
  }
  // focus() is allowed only while handling a notification click; it may still fail (the tab is closing).
  await tab.focus().catch(() => undefined);
  const answered = await ask(tab, { type: 'chipin:navigate', url: path });
  if (!answered && 'navigate' in tab) await tab.navigate(path).catch(() => undefined);
}

/**
 * Posts `message` with a reply port and waits briefly for the tab's acknowledgement.
 * @param {Client} tab
 * @param {unknown} message
 */
function ask(tab, message) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(false), 2000);
    channel.port1.onmessage = () => {
      clearTimeout(timer);
      resolve(true);
    };
    tab.postMessage(message, [channel.port2]);
  });
}

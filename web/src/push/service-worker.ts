// Registers /sw.js (web/public/sw.js) at the site's root scope, and follows the worker's "open this
// bill" message after a notification click with an in-app navigation (no reload, the live stream stays).
import { navigate } from '../router.tsx';

export const WORKER_URL = '/sw.js';

/** The browser can run the worker at all (it needs a secure context: HTTPS, or localhost/127.0.0.1). */
export const workerSupported = () => typeof navigator !== 'undefined' && 'serviceWorker' in navigator && window.isSecureContext;

let registration: Promise<ServiceWorkerRegistration> | undefined;

/** The site's registration, registering the worker on first use. */
export function workerRegistration(): Promise<ServiceWorkerRegistration> {
  registration ??= navigator.serviceWorker.register(WORKER_URL, { scope: '/' });
  return registration;
}

/** Once, at start-up: register the worker and listen for its navigation requests. */
export function startServiceWorker() {
  if (!workerSupported()) return;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
    const message: unknown = event.data;
    if (!isNavigate(message)) return;
    navigate(message.url);
    // The worker waits for this answer; without it, it navigates the tab itself (a full load).
    event.ports[0]?.postMessage({ type: 'chipin:navigated' });
  });
  // Messages posted before the listener existed are delivered now (ServiceWorkerContainer.startMessages).
  navigator.serviceWorker.startMessages();
  workerRegistration().catch((e: unknown) => {
    // The app works without it: only pushes to this device are lost. Tell the console for whoever looks.
    console.warn('Chipin: the service worker did not register', e);
  });
}

function isNavigate(m: unknown): m is { type: 'chipin:navigate'; url: string } {
  if (typeof m !== 'object' || m === null) return false;
  const { type, url } = m as { type?: unknown; url?: unknown };
  // Only a path on this site: the worker sends nothing else, and a message must not lead elsewhere.
  return type === 'chipin:navigate' && typeof url === 'string' && url.startsWith('/') && !url.startsWith('//');
}

// This device's Web Push subscription (W3C Push API), kept in step with the server's list of devices.
// Permission is asked only from a click (turnOn); the other functions never prompt.
import type { PushSubscriptionBody } from '../../../src/client/index.ts';
import { api } from '../api.ts';
import { workerRegistration, workerSupported } from './service-worker.ts';

/** on: subscribed here and known to the server; off: can be turned on; blocked: the user refused permission. */
export type DeviceState = 'unsupported' | 'blocked' | 'off' | 'on';

export const pushSupported = () => workerSupported() && 'PushManager' in window && 'Notification' in window;

export async function deviceState(): Promise<DeviceState> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  if (Notification.permission !== 'granted') return 'off';
  const sub = await (await workerRegistration()).pushManager.getSubscription();
  return sub ? 'on' : 'off';
}

/** Asks permission (call it from a click), subscribes with the server's VAPID key and registers the device. */
export async function turnOn(): Promise<DeviceState> {
  if (!pushSupported()) return 'unsupported';
  // First, while the click's user activation is fresh: browsers refuse prompts that come later.
  const permission = await Notification.requestPermission();
  if (permission === 'denied') return 'blocked';
  if (permission !== 'granted') return 'off';
  await register(await workerRegistration());
  return 'on';
}

/** Unsubscribes this browser and removes the device from the server. */
export async function turnOff(): Promise<DeviceState> {
  if (!pushSupported()) return 'unsupported';
  const sub = await (await workerRegistration()).pushManager.getSubscription();
  if (sub) {
    await forget(sub.endpoint);
    await sub.unsubscribe();
  }
  return deviceState();
}

/**
 * On load, for a device already on: POSTs its subscription again, which binds it to whoever is signed in
 * now (the server answers 200 for a known endpoint) and restores it if the server dropped it. A
 * subscription made with an older VAPID key (the key was rotated) is replaced by one with the current key.
 */
export async function resync(): Promise<void> {
  if ((await deviceState()) !== 'on') return;
  await register(await workerRegistration());
}

/** Before signing out: the next person on this browser must not get this account's notifications. */
export async function forgetDevice(): Promise<void> {
  if (!pushSupported() || Notification.permission !== 'granted') return;
  const sub = await (await workerRegistration()).pushManager.getSubscription();
  if (!sub) return;
  await forget(sub.endpoint);
  await sub.unsubscribe();
}

async function register(reg: ServiceWorkerRegistration) {
  const key = base64urlToBytes((await api.pushPublicKey()).publicKey);
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options.applicationServerKey, key)) {
    await forget(sub.endpoint).catch(() => undefined);
    await sub.unsubscribe();
    sub = null;
  }
  // userVisibleOnly: every push shows a notification (browsers require it; Push API §3.2).
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  await api.addPushSubscription(bodyOf(sub));
}

async function forget(endpoint: string) {
  const { subscriptions } = await api.pushSubscriptions();
  for (const device of subscriptions) if (device.endpoint === endpoint) await api.deletePushSubscription(device.id);
}

function bodyOf(sub: PushSubscription): PushSubscriptionBody {
  const json = sub.toJSON();
  const p256dh = json.keys?.p256dh;
  const auth = json.keys?.auth;
  if (!json.endpoint || !p256dh || !auth) throw new Error('The browser gave a push subscription without keys');
  return { endpoint: json.endpoint, expirationTime: json.expirationTime ?? null, keys: { p256dh, auth } };
}

function base64urlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

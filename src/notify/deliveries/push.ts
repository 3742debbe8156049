// One Web Push message (RFC 8030 delivery, RFC 8291 aes128gcm payload encryption, RFC 8292 VAPID) through
// the web-push package, and what its answer means for the delivery.
import { createHash } from 'node:crypto';
import webpush from 'web-push';
import type { PushSubscriptionRow } from '../../store/store.ts';
import type { Vapid } from './keys.ts';

export type PushMessage = { payload: string; ttlSeconds: number; urgency: 'normal' | 'high'; topic: string | undefined };

export type PushOutcome =
  | { kind: 'delivered' }
  /** 404/410: the subscription has expired or was removed (RFC 8030 §7.3). */
  | { kind: 'gone'; status: number }
  /** 429/503 with Retry-After (RFC 8030 §8.4, RFC 9110 §10.2.3), other 5xx and network errors (no afterMs). */
  | { kind: 'retry'; status: number | undefined; afterMs: number | undefined; reason: string }
  /** 400/401/403/413 and anything else: sending the same again would fail the same way. */
  | { kind: 'rejected'; status: number | undefined; reason: string };

const SEND_TIMEOUT_MS = 10_000;

/** RFC 8030 §5.4: a Topic is at most 32 characters of the URL-safe base64 alphabet; a bill id hashed fits. */
export const topicFor = (billId: string) => createHash('sha256').update(billId).digest('base64url').slice(0, 32);

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export async function sendPush(sub: PushSubscriptionRow, message: PushMessage, vapid: Vapid & { subject: string }): Promise<PushOutcome> {
  try {
    await webpush.sendNotification({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, message.payload, {
      vapidDetails: { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      TTL: message.ttlSeconds,
      urgency: message.urgency,
      topic: message.topic,
      contentEncoding: 'aes128gcm',
      timeout: SEND_TIMEOUT_MS,
    });
    return { kind: 'delivered' };
  } catch (error) {
    if (!(error instanceof webpush.WebPushError)) {
      // A refused connection, a reset, a timeout, a TLS failure: the service may be back later.
      return { kind: 'retry', status: undefined, afterMs: undefined, reason: (error as Error).message };
    }
    const status = error.statusCode;
    const reason = `${status} ${String(error.body ?? '').slice(0, 200)}`.trim();
    if (status === 404 || status === 410) return { kind: 'gone', status };
    if (status === 429 || status === 503) {
      const header = (error.headers as Record<string, string | undefined>)['retry-after'];
      return { kind: 'retry', status, afterMs: retryAfterMs(header, Date.now()), reason };
    }
    if (status >= 500) return { kind: 'retry', status, afterMs: undefined, reason };
    return { kind: 'rejected', status, reason };
  }
}

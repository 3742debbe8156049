// The deployment's own keys, made on first start and kept in the database so every instance and every
// restart uses the same ones: the VAPID key pair (RFC 8292: push services tie a subscription to the key it
// was made with, so a new pair would orphan every subscription) and the key that signs unsubscribe links.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import webpush from 'web-push';
import type { Config } from '../../config.ts';
import type { Ops } from '../../store/store.ts';

export type Vapid = { publicKey: string; privateKey: string; subject: string | undefined };

export async function loadVapid(ops: Ops, channels: Config['channels']): Promise<Vapid> {
  const subject = channels.vapidSubject;
  if (channels.vapidPublicKey && channels.vapidPrivateKey)
    return { publicKey: channels.vapidPublicKey, privateKey: channels.vapidPrivateKey, subject };
  let stored = await ops.getSecret('vapid');
  if (stored === undefined) {
    const fresh = webpush.generateVAPIDKeys();
    // Another instance starting at the same moment may win: everyone keeps the first pair stored.
    stored = await ops.putSecretOnce('vapid', JSON.stringify(fresh));
  }
  const pair = JSON.parse(stored) as { publicKey: string; privateKey: string };
  return { publicKey: pair.publicKey, privateKey: pair.privateKey, subject };
}

export type UnsubscribeTokens = { sign(userId: string): string; verify(token: string): string | undefined };

/**
 * Unsubscribe links carry `<userId>.<HMAC-SHA256(key, "unsubscribe:" + userId)>` (base64url): no session
 * is needed (RFC 8058 §3: the POST comes from the mail provider), and no one can make a link for another user.
 */
export async function loadUnsubscribeTokens(ops: Ops): Promise<UnsubscribeTokens> {
  const stored = (await ops.getSecret('unsubscribe')) ?? (await ops.putSecretOnce('unsubscribe', randomBytes(32).toString('base64url')));
  const key = Buffer.from(stored, 'base64url');
  const mac = (userId: string) => createHmac('sha256', key).update(`unsubscribe:${userId}`).digest();
  return {
    sign: (userId) => `${userId}.${mac(userId).toString('base64url')}`,
    verify(token) {
      const m = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!m) return undefined;
      const given = Buffer.from(m[2], 'base64url');
      const expected = mac(m[1]);
      return given.length === expected.length && timingSafeEqual(given, expected) ? m[1] : undefined;
    },
  };
}

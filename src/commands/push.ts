// Web Push subscriptions: a user's devices. Storing one is a writing command on the unit of work; the SSRF
// guard (src/notify/deliveries/origins.ts) runs first, so an endpoint the server would refuse to POST to is
// never stored.
import { AppError, invalid } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { PushSubscriptionBody, PushSubscriptionView } from '../contract/schemas.ts';
import type { PushSubscriptionRow, UserRow } from '../store/store.ts';
import { allowedEndpoint } from '../notify/deliveries/origins.ts';
import type { Deps } from './deps.ts';
import type { Context } from './unit-of-work.ts';

const view = (s: PushSubscriptionRow): PushSubscriptionView => ({ id: s.id, endpoint: s.endpoint, createdAt: s.createdAt });
/** The keys as base64url without padding (browsers send either). */
const unpadded = (s: string) => s.replace(/=+$/, '');

export type SubscribeInput = { actor: UserRow; input: PushSubscriptionBody; allowedOrigins: readonly string[] };

export async function subscribePush(
  { tx, now }: Context,
  { actor, input, allowedOrigins }: SubscribeInput,
): Promise<{ subscription: PushSubscriptionView; created: boolean }> {
  if (!allowedEndpoint(input.endpoint, allowedOrigins)) {
    throw invalid('endpoint', 'must be an https URL of an allowed push service (PUSH_ALLOWED_ORIGINS)');
  }
  const p256dh = Buffer.from(unpadded(input.keys.p256dh), 'base64url');
  // RFC 8291 §3.1 / SEC 1 §2.3.3: an uncompressed P-256 point is 0x04 followed by X and Y.
  if (p256dh.length !== 65 || p256dh[0] !== 4)
    throw invalid('keys.p256dh', 'must be an uncompressed P-256 public key (65 bytes, base64url)');
  if (Buffer.from(unpadded(input.keys.auth), 'base64url').length !== 16)
    throw invalid('keys.auth', 'must be a 16-byte authentication secret (base64url)');
  const { subscription, created } = await tx.upsertPushSubscription({
    id: newId(),
    userId: actor.id,
    endpoint: input.endpoint,
    p256dh: unpadded(input.keys.p256dh),
    auth: unpadded(input.keys.auth),
    expirationTime: typeof input.expirationTime === 'number' ? Math.trunc(input.expirationTime) : null,
    createdAt: now().toISOString(),
  });
  return { subscription: view(subscription), created };
}

export async function listPushSubscriptions(deps: Deps, actor: UserRow): Promise<PushSubscriptionView[]> {
  return (await deps.store.read.listPushSubscriptions([actor.id])).map(view);
}

export async function unsubscribePush({ tx }: Context, { actor, id }: { actor: UserRow; id: string }): Promise<void> {
  if (!(await tx.deletePushSubscription(id, actor.id))) throw new AppError('not_found', 'No such device subscription of yours');
}

// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): the same key from the same user with the
// same request returns the first response again and changes nothing; a different request is 422; a
// duplicate while the first is in flight is 409. The response is recorded in the command's own
// transaction (src/commands/unit-of-work.ts), so "bill created" and "response recorded" commit together.
import { hash, randomUUID } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import type { Ops } from '../store/store.ts';

/**
 * A pending key is held by lease: the claim holds it for IDEMPOTENCY_LEASE_MS, the running request renews it
 * every third of that (holdKey), and a retry may take over a key whose lease has ended — its holder died
 * (crash, SIGKILL, an instance gone) or hangs. So a dead instance's keys are free within one lease, while a
 * live request, however slow, keeps its key. Leases compare wall clocks of different instances: keep the
 * lease well above their skew.
 */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 10_000;
/** Keys are kept at least 24 hours (the purge removes them after 48). */
export const IDEMPOTENCY_RETENTION_MS = 48 * 3600_000;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Canonical JSON: object keys sorted, so {"a":1,"b":2} and {"b":2,"a":1} are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const requestHash = (method: string, path: string, body: unknown) =>
  hash('sha256', `${method} ${path}\n${canonicalJson(body ?? null)}`, 'hex');

/** A request that carries an Idempotency-Key. */
export type Keyed = { userId: string; key: string /** Computed only when a key was sent. */; requestHash: () => string };

/** The first response to a request that already completed, to be sent again. */
export type Recorded = { status: number; body: unknown };

/** This request's hold on a key: `holder` names it in the row (a takeover names another). */
export type Held = { holder: string };

const leaseEnd = (now: Date, leaseMs: number) => new Date(now.getTime() + leaseMs).toISOString();

/**
 * Claims the key for this request (autocommit, before the command's transaction). Returns the recorded
 * response when the same request already completed, or this request's hold on the key.
 */
export async function claimKey(ops: Ops, keyed: Keyed, hash: string, now: Date, leaseMs: number): Promise<Recorded | Held> {
  const { userId, key } = keyed;
  const holder = randomUUID();
  const until = leaseEnd(now, leaseMs);
  // Bounded: each pass finds the key either inserted, present, or purged between the two reads (rare).
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await ops.claimIdempotency(userId, key, hash, now.toISOString(), holder, until)) return { holder };
    const existing = await ops.getIdempotency(userId, key);
    if (!existing) continue; // purged or released between the two reads
    if (existing.requestHash !== hash) throw new AppError('idempotency_mismatch', 'This Idempotency-Key was used with a different request');
    if (existing.state === 'done') return { status: existing.status!, body: JSON.parse(existing.body!) };
    if (await ops.reclaimIdempotency(userId, key, hash, now.toISOString(), holder, until)) return { holder };
    break;
  }
  throw new AppError('idempotency_in_flight', 'A request with this Idempotency-Key is still being processed; retry shortly');
}

/**
 * Renews the lease while the command runs (every third of the lease, so two renewals may be lost before it
 * ends). Returns the function that stops renewing. A failed renewal is retried at the next tick; if the key
 * was taken over meanwhile, recording the response fails and the transaction rolls back (unit-of-work.ts).
 */
export function holdKey(ops: Ops, keyed: Keyed, held: Held, now: () => Date, leaseMs: number): () => void {
  const timer = setInterval(
    () => {
      ops.renewIdempotency(keyed.userId, keyed.key, held.holder, leaseEnd(now(), leaseMs)).catch(() => undefined);
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): the same key from the same user with the
// same request returns the first response again and changes nothing; a different request is 422; a
// duplicate while the first is in flight is 409. The response is recorded in the command's own
// transaction (src/commands/unit-of-work.ts), so "bill created" and "response recorded" commit together.
import { hash } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import type { Ops } from '../store/store.ts';

/** A pending key older than this belongs to a request that died (crash, timeout) and may be taken over. */
const STALE_MS = 60_000;
/** Keys are kept at least 24 hours (the purge removes them after 48). */
export const IDEMPOTENCY_RETENTION_MS = 48 * 3600_000;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Canonical JSON: object keys sorted, so {"a":1,"b":2} and {"b":2,"a":1} are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const requestHash = (method: string, path: string, body: unknown) => hash('sha256', `${method} ${path}\n${canonicalJson(body ?? null)}`, 'hex');

/** A request that carries an Idempotency-Key. */
export type Keyed = { userId: string; key: string; /** Computed only when a key was sent. */ requestHash: () => string };

/** The first response to a request that already completed, to be sent again. */
export type Recorded = { status: number; body: unknown };

/**
 * Claims the key for this request (autocommit, before the command's transaction). Returns the recorded
 * response when the same request already completed, undefined when the key is now this request's.
 */
export async function claimKey(ops: Ops, keyed: Keyed, hash: string, now: Date): Promise<Recorded | undefined> {
  const { userId, key } = keyed;
  if (await ops.claimIdempotency(userId, key, hash, now.toISOString())) return undefined;
  const existing = await ops.getIdempotency(userId, key);
  if (!existing) return claimKey(ops, keyed, hash, now); // purged between the two reads
  if (existing.requestHash !== hash) throw new AppError('idempotency_mismatch', 'This Idempotency-Key was used with a different request');
  if (existing.state === 'done') return { status: existing.status!, body: JSON.parse(existing.body!) };
  const staleBefore = new Date(now.getTime() - STALE_MS).toISOString();
  if (!(await ops.reclaimIdempotency(userId, key, hash, now.toISOString(), staleBefore))) {
    throw new AppError('idempotency_in_flight', 'A request with this Idempotency-Key is still being processed; retry shortly');
  }
  return undefined;
}

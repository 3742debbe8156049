// The counter store behind the abuse limits (rate-limits.ts), in place of @fastify/rate-limit's LocalStore.
// LocalStore answers `incr` with its live entry, and the plugin reads the count from it only after an
// `await` (applyRateLimit in 11.2.0): checks that resume in the same microtask run all read the count left by
// the last of them. They do whenever their requests were answered together, as the SQLite store answers a
// whole group commit at once: 40 stream opens against a limit of 30 were all refused (remaining 0), and 5
// were all told 25 were left. This store answers each increment with a copy, so each request sees its own.
// Same rule as LocalStore without continueExceeding or backoff (which Chipin does not use): a fixed window
// per key from its first hit.
import type { FastifyRateLimitStore } from '@fastify/rate-limit';

type Entry = { current: number; startMs: number };

/** How many keys one limit remembers, as LocalStore's default cache; the oldest window is forgotten first. */
const MAX_KEYS = 5000;

export class SnapshotStore implements FastifyRateLimitStore {
  #entries = new Map<string, Entry>();

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    const now = Date.now();
    let entry = this.#entries.get(key);
    if (!entry || entry.startMs + timeWindow <= now) {
      // A new window goes to the back of the eviction order.
      this.#entries.delete(key);
      entry = { current: 0, startMs: now };
      this.#entries.set(key, entry);
      if (this.#entries.size > MAX_KEYS) this.#entries.delete(this.#entries.keys().next().value!);
    }
    entry.current++;
    callback(null, { current: entry.current, ttl: timeWindow - (now - entry.startMs) });
  }

  /** Each limit (createRateLimit) counts in a store of its own, as with LocalStore. */
  child(): FastifyRateLimitStore {
    return new SnapshotStore();
  }
}

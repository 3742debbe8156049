// The unit of work: the one owner of a writing command's plumbing, in this order —
//   1. the Idempotency-Key claim (autocommit, so a concurrent duplicate sees it at once; ./idempotency.ts),
//   2. one store transaction, the only one src/commands/ opens,
//   3. the outbox the command fills there (src/notify/outbox.ts),
//   3b. the offline deliveries of the notifications in that outbox (push, email), in the same transaction,
//   4. the idempotent response, recorded in that same transaction, so "changed" and "answered" commit together,
//   5. the change counter of every group the outbox sends group.updated for, incremented in the transaction
//      (unless the command did, holding the group's lock),
//   6. the bus: its in-transaction step just before COMMIT (PostgreSQL NOTIFY rides the COMMIT), and the
//      outbox handed over after COMMIT (src/notify/bus/). Nothing is published for a rolled-back change.
// Commands are functions of (context, input): their rules and statements, returning their value. They never
// open a transaction or publish; routes call one of them through perform/performOnce and reply.
import type { Ops } from '../store/store.ts';
import { emptyOutbox, type Outbox } from '../notify/outbox.ts';
import type { Deps } from './deps.ts';
import { AppError } from '../domain/errors.ts';
import { claimKey, DEFAULT_IDEMPOTENCY_LEASE_MS, holdKey, type Keyed } from './idempotency.ts';

/** What a command may use: the open transaction, the outbox it fills, the clock, and session lifetime. */
export type Context = { tx: Ops; outbox: Outbox; now: () => Date; sessionTtlMs: number; unpayWindowMs: number };

export type Command<I, R> = (cx: Context, input: I) => Promise<R>;

/**
 * A command with work that must not run inside its transaction: a deliberately slow password hash would hold
 * SQLite's single writer (every other write waits) or a PostgreSQL connection for its whole duration. The
 * unit of work runs `prepare` first, outside, with the store's autocommit operations for what it must read,
 * and hands its result to `run` as the input.
 */
export type TwoPhase<I, P, R> = { prepare: (input: I, read: Ops) => Promise<P>; run: Command<P, R> };

/** How a request that may carry an Idempotency-Key is answered: its status, and the body made of the value. */
export type Answer<R, B> = { keyed: Keyed | undefined; status: number; respond: (value: R) => B };

async function bound<I, P, R>(command: Command<I, R> | TwoPhase<I, P, R>, input: I, read: Ops): Promise<(cx: Context) => Promise<R>> {
  if (typeof command === 'function') return (cx) => command(cx, input);
  const prepared = await command.prepare(input, read);
  return (cx) => command.run(cx, prepared);
}

/**
 * Each group the change sends group.updated for gets its next version, once per transaction, so the hint
 * tells a client whether what it fetched is already as new (docs/api.md, "Live streams"). Last in the
 * transaction, and in group-id order: PostgreSQL holds the group row's lock from here to COMMIT only, and
 * two writers cannot take two groups' locks in opposite orders. A command that held the group's lock
 * already may have bumped it itself, in a statement it ran anyway (createBill, with its activity): that
 * version stands for all of the group's updates, and is not bumped again.
 */
async function stampGroupVersions(tx: Ops, outbox: Outbox) {
  if (outbox.groupUpdates.length === 0) return;
  const versions = new Map<string, number>();
  for (const u of outbox.groupUpdates) if (u.version !== undefined) versions.set(u.groupId, u.version);
  const ids = [...new Set(outbox.groupUpdates.map((u) => u.groupId))].filter((id) => !versions.has(id)).sort();
  for (const id of ids) versions.set(id, await tx.bumpGroupVersion(id));
  for (const u of outbox.groupUpdates) u.version = versions.get(u.groupId);
}

/** Steps 2–6 for a request whose key (if any) is already claimed; `record` runs inside the transaction. */
async function commit<I, P, R>(
  deps: Deps,
  command: Command<I, R> | TwoPhase<I, P, R>,
  input: I,
  record?: (tx: Ops, value: R) => Promise<void>,
): Promise<R> {
  const run = await bound(command, input, deps.store.read);
  const outbox = emptyOutbox();
  const value = await deps.store.transaction(async (tx) => {
    const result = await run({ tx, outbox, now: deps.now, sessionTtlMs: deps.sessionTtlMs, unpayWindowMs: deps.unpayWindowMs });
    await record?.(tx, result);
    await deps.deliveries?.plan(tx, outbox.notifications);
    await stampGroupVersions(tx, outbox);
    await deps.bus.beforeCommit?.(tx, outbox);
    return result;
  });
  deps.bus.afterCommit(outbox);
  deps.deliveries?.committed(outbox.notifications);
  return value;
}

/** Runs one writing command as a unit of work and returns its value. */
export function perform<I, R, P = I>(deps: Deps, command: Command<I, R> | TwoPhase<I, P, R>, input: I): Promise<R> {
  return commit(deps, command, input);
}

/**
 * The same for a request that may carry an Idempotency-Key: the first response is recorded with the change
 * and a repeat gets it back (`replayed`) without running the command again.
 */
export async function performOnce<I, R, B, P = I>(
  deps: Deps,
  command: Command<I, R> | TwoPhase<I, P, R>,
  input: I,
  answer: Answer<R, B>,
): Promise<{ status: number; body: B; replayed: boolean }> {
  const { keyed, status, respond } = answer;
  if (keyed === undefined) return { status, body: respond(await commit(deps, command, input)), replayed: false };
  const ops = deps.store.read;
  const leaseMs = deps.idempotencyLeaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
  const claimed = await claimKey(ops, keyed, keyed.requestHash(), deps.now(), leaseMs);
  // The stored body is the JSON of a body this route sent (its status with it), so it is that body again.
  if ('body' in claimed) return { status: claimed.status, body: claimed.body as B, replayed: true };
  const release = holdKey(ops, keyed, claimed, deps.now, leaseMs);
  let body!: B;
  try {
    await commit(deps, command, input, async (tx, value) => {
      body = respond(value);
      if (!(await tx.completeIdempotency(keyed.userId, keyed.key, claimed.holder, status, JSON.stringify(body)))) {
        // Our lease ended (this process stalled past it) and a retry took the key over: it runs the same
        // request, so this transaction must not commit a second copy. The client's retry gets its answer.
        throw new AppError('idempotency_in_flight', 'A request with this Idempotency-Key is still being processed; retry shortly');
      }
    });
  } catch (e) {
    // The command changed nothing (its transaction rolled back): free the key so a corrected retry can use it
    // (only while it is still ours: a takeover's key is left to its new holder).
    await ops.releaseIdempotency(keyed.userId, keyed.key, claimed.holder);
    throw e;
  } finally {
    release();
  }
  return { status, body, replayed: false };
}

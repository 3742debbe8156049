// The hub: subscribers per user, replay from the store and live delivery without gap or duplicate.
//
// Why it cannot lose or double a notification: a subscriber is registered (and buffers live rows) *before*
// the replay query runs, and publishing happens only after commit. A row committed before the query is in
// the query; one committed after it is published after the subscriber was registered, so it is buffered.
// Rows seen twice are dropped by id. Ids are per-user and gapless, so a live row whose id is not
// lastId + 1 means one is missing (published out of order, or lost in flight): the subscriber goes back
// to the store for it before writing anything newer.
//
// A stream belongs to the session it was opened with: it ends (`logged_out`) when that session is ended
// here (endSession, endSessionsOf), when it expires (checked at each heartbeat against the expiry given at
// subscribe time, no store query), and, where other instances share the store, when the session row is
// gone (one batched query per heartbeat round for the distinct sessions that have streams).
import type { NotificationRow, Ops } from '../store/store.ts';
import type { Outbox } from './outbox.ts';
import { notificationJson } from '../present/notifications.ts';
import type { Connection, CloseReason } from './connection.ts';
import type { Metrics } from './metrics.ts';
import type { GroupUpdated } from '../contract/events.ts';
import { createHintRounds } from './hints.ts';

const REPLAY_BATCH = 500;
/**
 * Heartbeat rounds are spread over the period so no tick writes to every socket at once: at least 20
 * ticks a round, and at most 64 writes a tick (≈15 µs a write: a tick stays near 1 ms; 500 writes a tick at
 * 10,000 streams showed as 14–20 ms stalls in the delivery p99).
 */
const MIN_SLICES = 20;
const MAX_WRITES_PER_TICK = 64;
/**
 * Hint rounds (./hints.ts) yield after as many writes as a heartbeat tick, or after 0.5 ms, whichever comes
 * first: where a socket write costs 35 µs, 64 of them held each turn of a POST for 2 ms.
 */
const MAX_HINT_WRITES_PER_TICK = 64;
const HINT_SLICE_MS = 0.5;
/** Session hashes per existence query (well under either database's bound on parameters). */
const SESSION_BATCH = 1000;

/** The session a stream was opened with (its token's hash and expiry, ISO 8601). */
export type StreamSession = { tokenHash: string; expiresAt: string };

type Subscriber = {
  userId: string;
  conn: Connection;
  /** The session's token hash ('' for a stream opened without one: it never ends with a session). */
  session: string;
  /** Epoch ms at which the session expires (Infinity without one). */
  expiresAt: number;
  lastId: number;
  syncing: boolean;
  /** Set when a resync is asked for while a sync runs: its query may predate what we must catch. */
  syncAgain: boolean;
  closed: boolean;
  /** Live rows that arrived while syncing from the store (null, not an empty array, for the idle many). */
  pending: Delivery[] | null;
  /** group.updated hints held back while it replayed, group id → newest version (./hints.ts). */
  hints: Map<string, number> | null;
};

/** A notification ready to write: the JSON is built once, however many tabs receive it. */
type Delivery = { row: NotificationRow; json: string; publishedAt: number };

export type HubOptions = {
  store: Pick<Ops, 'notificationsAfter' | 'notificationState'>;
  maxStreamsPerUser: number;
  streamQueueBytes: number;
  heartbeatMs: number;
  /** Refresh hints: at most one per (stream, group) per this many ms (./hints.ts). */
  groupHintMs: number;
  /** How long a replay waits for a reader that stopped reading before closing it as slow. */
  stallMs: number;
  metrics: Metrics;
  /**
   * Of the given session hashes, those still in the store. Given where other instances share the store
   * (PostgreSQL): a logout there deletes the row, and this instance notices it once a heartbeat round.
   */
  existingSessions?: (tokenHashes: string[]) => Promise<string[]>;
  /**
   * Told when a user's first stream on this hub opens and when the last one closes, so a bus with a subject
   * per user (src/notify/bus/nats.ts) listens only for the users this instance serves.
   */
  users?: { opened(userId: string): void; closed(userId: string): void };
};

export type Hub = ReturnType<typeof createHub>;

export function createHub(options: HubOptions) {
  const { store, metrics } = options;
  const byUser = new Map<string, Subscriber[]>();
  let count = 0;
  let heartbeatRound: Subscriber[] = [];
  let heartbeatTick = 0;
  let slices = MIN_SLICES;
  let timer: NodeJS.Timeout | undefined;
  let checkingSessions = false;
  let hint: GroupUpdated = { type: 'group.updated', groupId: '', version: -1 };
  const hintRounds = createHintRounds<Subscriber>({
    windowMs: options.groupHintMs,
    maxWritesPerTick: MAX_HINT_WRITES_PER_TICK,
    sliceMs: HINT_SLICE_MS,
    streamsOf: (userId) => byUser.get(userId),
    write(sub, groupId, version) {
      // One message object per (group, version) in a row of writes, so transports build its frame once.
      if (hint.groupId !== groupId || hint.version !== version) hint = { type: 'group.updated', groupId, version };
      sub.conn.sendControl(hint);
      metrics.hints[sub.conn.transport]++;
      checkQueue(sub);
    },
  });

  /** One timer for the whole hub, re-armed each tick (the tick length follows the number of streams). */
  function ensureTimer() {
    if (timer || count === 0) return;
    timer = setTimeout(heartbeatSlice, Math.max(1, Math.floor(options.heartbeatMs / slices)));
    timer.unref();
  }

  function heartbeatSlice() {
    timer = undefined;
    if (heartbeatTick === 0) {
      heartbeatRound = [...byUser.values()].flat();
      slices = Math.max(MIN_SLICES, Math.ceil(heartbeatRound.length / MAX_WRITES_PER_TICK));
      if (options.existingSessions) void checkSessions(heartbeatRound, options.existingSessions);
    }
    const per = Math.ceil(heartbeatRound.length / slices);
    const slice = heartbeatRound.slice(heartbeatTick * per, (heartbeatTick + 1) * per);
    heartbeatTick = (heartbeatTick + 1) % slices;
    const now = Date.now();
    for (const sub of slice) {
      if (sub.closed) continue;
      if (sub.expiresAt <= now) remove(sub, 'logged_out');
      else if (!sub.conn.heartbeat()) remove(sub, 'heartbeat');
      else checkQueue(sub);
    }
    ensureTimer();
  }

  /** Closes the streams of the round whose session row is gone. A failed query closes nothing. */
  async function checkSessions(round: Subscriber[], existing: (tokenHashes: string[]) => Promise<string[]>) {
    if (checkingSessions) return;
    checkingSessions = true;
    try {
      const hashes = new Set<string>();
      for (const sub of round) if (sub.session !== '') hashes.add(sub.session);
      const all = [...hashes];
      const alive = new Set<string>();
      for (let i = 0; i < all.length; i += SESSION_BATCH) {
        for (const h of await existing(all.slice(i, i + SESSION_BATCH))) alive.add(h);
      }
      for (const sub of round) if (!sub.closed && sub.session !== '' && !alive.has(sub.session)) remove(sub, 'logged_out');
    } catch {
      // The store is unreachable: the next round asks again.
    } finally {
      checkingSessions = false;
    }
  }

  /** Closes the user's streams whose session `ends` says has ended. */
  function endSessions(userId: string, ends: (tokenHash: string) => boolean) {
    for (const sub of [...(byUser.get(userId) ?? [])]) if (sub.session !== '' && ends(sub.session)) remove(sub, 'logged_out');
  }

  function remove(sub: Subscriber, reason: CloseReason | undefined) {
    if (sub.closed) return;
    sub.closed = true;
    sub.pending = null;
    sub.hints = null;
    const list = byUser.get(sub.userId);
    if (list) {
      const i = list.indexOf(sub);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) {
        byUser.delete(sub.userId);
        options.users?.closed(sub.userId);
      }
    }
    count--;
    metrics.connections.dec({ transport: sub.conn.transport });
    if (reason && reason !== 'client') {
      metrics.dropped.inc({ reason });
      sub.conn.close(reason);
    }
    if (count === 0) {
      clearTimeout(timer);
      timer = undefined;
      heartbeatRound = [];
      heartbeatTick = 0;
      hintRounds.clear();
    }
  }

  /** Made apart from subscribe, so the closure a stream keeps holds the subscriber alone, not subscribe's scope. */
  function unsubscriber(sub: Subscriber) {
    return () => remove(sub, 'client');
  }

  /** Closes the stream as `evicted`: one too many for its user across instances (./stream-cap.ts). */
  function evicter(sub: Subscriber) {
    return () => remove(sub, 'evicted');
  }

  /** A reader that stopped reading is closed before its queue grows without bound; it resumes by id. */
  function checkQueue(sub: Subscriber): boolean {
    if (sub.conn.bufferedBytes() <= options.streamQueueBytes) return true;
    remove(sub, 'slow');
    return false;
  }

  function write(sub: Subscriber, d: Delivery, live: boolean) {
    sub.conn.sendNotification(d.row.id, d.row.type, d.json);
    sub.lastId = d.row.id;
    if (live) {
      metrics.delivered[sub.conn.transport]++;
      metrics.lag.observe((performance.now() - d.publishedAt) / 1000);
    } else {
      metrics.replayed[sub.conn.transport]++;
    }
  }

  /** Waits until the reader has taken most of its queue; a reader stalled for stallMs is dropped as slow. */
  async function drained(sub: Subscriber): Promise<boolean> {
    const deadline = performance.now() + options.stallMs;
    while (sub.conn.bufferedBytes() > options.streamQueueBytes / 4) {
      if (sub.closed) return false;
      if (performance.now() > deadline) {
        remove(sub, 'slow');
        return false;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return !sub.closed;
  }

  /** Writes everything after sub.lastId from the store, then the buffered live rows, until caught up. */
  async function sync(sub: Subscriber) {
    sub.syncing = true;
    try {
      for (;;) {
        const rows = await store.notificationsAfter(sub.userId, sub.lastId, REPLAY_BATCH);
        if (sub.closed) return;
        for (const row of rows) {
          write(sub, { row, json: notificationJson(row), publishedAt: 0 }, false);
          // A replay can be far larger than the queue: wait for the reader instead of piling up.
          if (sub.conn.bufferedBytes() > options.streamQueueBytes / 2 && !(await drained(sub))) return;
        }
        if (rows.length === REPLAY_BATCH) continue;
        const pending = sub.pending?.sort((a, b) => a.row.id - b.row.id) ?? [];
        sub.pending = null;
        let gap = false;
        for (const d of pending) {
          if (d.row.id <= sub.lastId) continue;
          if (d.row.id !== sub.lastId + 1) {
            gap = true;
            (sub.pending ??= []).push(d);
            continue;
          }
          write(sub, d, true);
        }
        if (!checkQueue(sub)) return;
        // A gap here means a row committed after our query: go back for it (it is in the store by now).
        if (!gap && sub.pending === null && !sub.syncAgain) return;
        sub.syncAgain = false;
      }
    } finally {
      sub.syncing = false;
    }
  }

  function deliver(sub: Subscriber, d: Delivery) {
    if (sub.closed) return;
    if (sub.syncing) {
      (sub.pending ??= []).push(d);
      return;
    }
    if (d.row.id <= sub.lastId) return;
    if (d.row.id === sub.lastId + 1) {
      write(sub, d, true);
      checkQueue(sub);
      return;
    }
    (sub.pending ??= []).push(d);
    void sync(sub).catch(() => remove(sub, 'slow'));
  }

  return {
    /**
     * Registers a connection. `lastEventId` undefined: live only. The connection is registered at once
     * (rows published meanwhile are buffered); `ready` settles when the replay has been written.
     */
    subscribe(
      userId: string,
      conn: Connection,
      lastEventId: number | undefined,
      session?: StreamSession,
    ): { unsubscribe: () => void; evict: () => void; ready: Promise<void> } {
      const sub: Subscriber = {
        userId,
        conn,
        session: session?.tokenHash ?? '',
        expiresAt: session ? Date.parse(session.expiresAt) : Infinity,
        lastId: 0,
        syncing: true,
        syncAgain: false,
        closed: false,
        pending: null,
        hints: null,
      };
      const list = byUser.get(userId);
      if (list) {
        // The oldest goes first, and is told not to come back, so two clients cannot evict each other forever.
        while (list.length >= options.maxStreamsPerUser) remove(list[0], 'evicted');
      }
      // A list made with its one element, not grown by push (which reserves 17 slots): most users have one stream.
      if (byUser.get(userId)) byUser.get(userId)!.push(sub);
      else {
        byUser.set(userId, [sub]);
        options.users?.opened(userId);
      }
      count++;
      metrics.connections.inc({ transport: conn.transport });
      ensureTimer();
      const ready = (async () => {
        const { lastId } = await store.notificationState(userId);
        if (sub.closed) return;
        if (lastEventId === undefined) {
          sub.lastId = lastId;
        } else if (lastEventId > lastId) {
          // The client is ahead of the server (another database, or a restored backup): tell it to reload.
          conn.sendControl({ type: 'reset', id: String(lastId) });
          sub.lastId = lastId;
        } else {
          sub.lastId = lastEventId;
        }
        await sync(sub);
      })().catch((e: unknown) => {
        remove(sub, 'slow');
        throw e;
      });
      return { unsubscribe: unsubscriber(sub), evict: evicter(sub), ready };
    },

    /** Called after commit with what the transaction wrote. */
    publish(outbox: Outbox) {
      const publishedAt = performance.now();
      for (const row of outbox.notifications) {
        const subs = byUser.get(row.userId);
        if (!subs) continue;
        const d: Delivery = { row, json: notificationJson(row), publishedAt };
        // A copy only when a delivery could change the list under us (a slow reader removed mid-loop).
        if (subs.length === 1) deliver(subs[0], d);
        else for (const sub of [...subs]) deliver(sub, d);
      }
      // Hints are only noted here, once per group; their rounds write them later, a bounded number a turn (./hints.ts).
      if (count > 0) for (const { groupId, memberIds, version = 0 } of outbox.groupUpdates) hintRounds.add(groupId, version, memberIds);
    },

    /** Heals anything a lost publish may have left: every subscriber checks the store for newer rows. */
    resyncAll() {
      for (const sub of [...byUser.values()].flat()) {
        if (sub.closed) continue;
        if (sub.syncing) sub.syncAgain = true;
        else void sync(sub).catch(() => remove(sub, 'slow'));
      }
    },

    /** The users with at least one stream here. */
    streamUsers(): string[] {
      return [...byUser.keys()];
    },

    /** Each stream behind its user's counter (a publish that never arrived) reads what it missed from the store. */
    resyncBehind(counters: { userId: string; lastId: number }[]) {
      for (const { userId, lastId } of counters) {
        for (const sub of [...(byUser.get(userId) ?? [])]) {
          if (sub.closed || sub.lastId >= lastId) continue;
          if (sub.syncing) sub.syncAgain = true;
          else void sync(sub).catch(() => remove(sub, 'slow'));
        }
      }
    },

    /** The session was ended here (logout): its streams are told so and closed. */
    endSession(userId: string, tokenHash: string) {
      endSessions(userId, (h) => h === tokenHash);
    },

    /** Every session of the user but `keepTokenHash` (all when undefined) was ended. */
    endSessionsOf(userId: string, keepTokenHash: string | undefined) {
      endSessions(userId, (h) => h !== keepTokenHash);
    },

    stats() {
      return { subscribers: count, users: byUser.size, timer: timer !== undefined, hints: hintRounds.stats() };
    },

    /** Closes every stream, telling clients to come back (SSE: a jittered retry; WebSocket: 1012). */
    shutdown() {
      for (const sub of [...byUser.values()].flat()) remove(sub, 'shutdown');
    },
  };
}

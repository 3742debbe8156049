// The delivery worker: one per instance (src/server.ts starts it, close() stops it). It claims due rows of
// the deliveries table (a lease; on PostgreSQL FOR UPDATE SKIP LOCKED, so instances never claim one row
// twice), sends, and records the outcome: the row goes when it is settled, or gets a later due time for a
// retry. A crash mid-send leaves a leased row: on SQLite the next start frees it at once, on PostgreSQL it
// is claimed again when the lease runs out. So nothing is lost; a send cut by a crash may happen again
// (at-least-once across a crash; exactly once otherwise, and the push Topic makes a repeat replace itself).
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.ts';
import type { DeliveryRow, NotificationRow, Store } from '../../store/store.ts';
import { presentNotification } from '../../present/notifications.ts';
import type { Notification } from '../../contract/events.ts';
import { choiceFor } from './preferences.ts';
import { billOf, describe } from './text.ts';
import { sendPush, topicFor, type PushOutcome } from './push.ts';
import { composeDigest, type Mailer } from './email.ts';
import { allowedEndpoint } from './origins.ts';
import type { UnsubscribeTokens, Vapid } from './keys.ts';
import type { DeliveryMetrics } from './metrics.ts';

export type WorkerOptions = {
  store: Store;
  log: FastifyBaseLogger;
  metrics: DeliveryMetrics;
  vapid: Vapid;
  channels: Config['channels'];
  publicUrl: string | undefined;
  mailer: Mailer | undefined;
  unsubscribe: UnsubscribeTokens;
};

export type DeliveryWorker = { wake(atMs: number): void; stop(): Promise<void> };

/** Another instance's rows and retries come due without a wake: look this often. */
const POLL_MS = 1000;
const BATCH = 64;
/** Rounds per tick, so one tick is bounded however large the queue (the next starts at once). */
const ROUNDS = 50;
/** Longer than the slowest send (push 10 s, SMTP 10 + 10 + 30 s timeouts) with room to spare. */
const LEASE_MS = 120_000;
const PUSH_CONCURRENCY = 16;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 3600_000;
/** A push payload is at most 4096 bytes encrypted (RFC 8291 §4: 86 bytes of header and tag, 1 of padding delimiter). */
const PUSH_PAYLOAD_MAX = 3993;

/** Exponential backoff with jitter (half fixed, half random), so retries of many rows do not arrive together. */
export const backoffMs = (attempts: number) => {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempts, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
};

const URGENT = new Set(['bill.created', 'bill.paid']);

/** The push payload: {id, type, title, body, url, data}; `url` is a path on the web app the worker opens. */
export function pushPayload(n: Notification): string {
  const t = describe(n);
  const full = JSON.stringify({ id: n.id, type: n.type, title: t.title, body: t.body, url: t.path, data: n.data });
  if (Buffer.byteLength(full) <= PUSH_PAYLOAD_MAX) return full;
  // Long names could overflow a push: the text and link matter, the data is in the inbox.
  return JSON.stringify({ id: n.id, type: n.type, title: t.title.slice(0, 200), body: t.body.slice(0, 400), url: t.path, data: null });
}

export function startDeliveryWorker(o: WorkerOptions): DeliveryWorker {
  const ops = o.store.read;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let running: Promise<void> | undefined;
  let again = false;
  /** Due times announced by wake() and not reached yet: a timer serves only the earliest, these the rest. */
  let wakes: number[] = [];
  /** The time of the latest claim: every row due by then has been claimed (or is leased elsewhere). */
  let claimedUpTo = 0;

  function schedule(atMs: number) {
    if (stopped || atMs >= timerAt) return;
    clearTimeout(timer);
    timerAt = atMs;
    timer = setTimeout(
      () => {
        timerAt = Infinity;
        run();
      },
      Math.max(0, atMs - Date.now()),
    );
  }

  function run() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = tick()
      .catch((err: unknown) => o.log.error({ err }, 'delivery worker: a round failed; trying again shortly'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        } else {
          // Only wakes the last claim covered are done: one that fell due during the round is served now.
          wakes = wakes.filter((at) => at > claimedUpTo);
          schedule(Math.min(Date.now() + POLL_MS, ...wakes));
        }
      });
  }

  async function tick() {
    for (let round = 0; round < ROUNDS && !stopped; round++) {
      const now = Date.now();
      claimedUpTo = now;
      const rows = await ops.claimDueDeliveries(new Date(now).toISOString(), new Date(now + LEASE_MS).toISOString(), BATCH);
      if (rows.length === 0) return;
      const pushes = rows.filter((r) => r.channel === 'push');
      const emails = new Map<string, DeliveryRow[]>();
      for (const r of rows) if (r.channel === 'email') emails.set(r.userId, [...(emails.get(r.userId) ?? []), r]);
      await Promise.all([
        inParallel(pushes, PUSH_CONCURRENCY, deliverPush),
        inParallel([...emails.entries()], 4, ([userId, first]) => deliverDigest(userId, first)),
      ]);
      if (rows.length < BATCH) return;
    }
    again = true;
  }

  async function settle(row: DeliveryRow, outcome: Parameters<DeliveryMetrics['count']>[1]) {
    await ops.finishDelivery(row);
    o.metrics.count(row.channel, outcome);
  }

  /** A retry at `atMs`, or the end of the row if that is past its expiry (the push TTL; the email lifetime). */
  async function retryOrExpire(row: DeliveryRow, atMs: number) {
    if (atMs >= Date.parse(row.expiresAt)) return settle(row, 'expired');
    await ops.retryDelivery(row, new Date(atMs).toISOString(), row.attempts + 1);
    o.metrics.count(row.channel, 'retried');
  }

  async function deliverPush(row: DeliveryRow) {
    const sub = await ops.getPushSubscription(row.target);
    if (!sub || sub.userId !== row.userId) return settle(row, 'gone');
    const [stored] = await ops.notificationsByIds(row.userId, [row.notificationId]);
    if (!stored || stored.readAt !== null) return settle(row, 'skipped_read');
    // Seen live on a visible page (POST /api/notifications/seen): the user knows, a push would repeat it.
    if (stored.id <= (await ops.seenUpTo(row.userId))) return settle(row, 'skipped_seen');
    if (!choiceFor(await ops.preferencesOf([row.userId]), stored.type).push) return settle(row, 'skipped_preference');
    const now = Date.now();
    const ttlSeconds = Math.floor((Date.parse(row.expiresAt) - now) / 1000);
    if (ttlSeconds <= 0) return settle(row, 'expired');
    if (!allowedEndpoint(sub.endpoint, o.channels.pushAllowedOrigins)) {
      o.log.warn({ subscription: sub.id }, "push: the endpoint's origin is no longer in PUSH_ALLOWED_ORIGINS; not sent");
      return settle(row, 'refused_origin');
    }
    const subject = o.vapid.subject;
    if (subject === undefined) return settle(row, 'rejected');
    const n = presentNotification(stored);
    const bill = billOf(n);
    const outcome: PushOutcome = await sendPush(
      sub,
      {
        payload: pushPayload(n),
        ttlSeconds,
        urgency: URGENT.has(n.type) ? 'high' : 'normal',
        topic: bill === undefined ? undefined : topicFor(bill),
      },
      { ...o.vapid, subject },
    );
    switch (outcome.kind) {
      case 'delivered':
        return settle(row, 'delivered');
      case 'gone':
        // RFC 8030 §7.3: the subscription is no more; its other pending deliveries go with it.
        await ops.deletePushSubscription(sub.id, undefined);
        o.metrics.count('push', 'gone');
        return;
      case 'retry': {
        const at = Date.now() + (outcome.afterMs ?? backoffMs(row.attempts));
        o.log.warn(
          { subscription: sub.id, status: outcome.status, reason: outcome.reason, attempts: row.attempts + 1 },
          'push: the push service failed; will retry',
        );
        return retryOrExpire(row, at);
      }
      case 'rejected':
        o.log.warn(
          { subscription: sub.id, status: outcome.status, reason: outcome.reason },
          'push: refused by the push service; not retried',
        );
        return settle(row, 'rejected');
    }
  }

  async function deliverDigest(userId: string, first: DeliveryRow[]) {
    const now = Date.now();
    // The window's other emails, due or not, join this digest: one message per user per window.
    const more = await ops.claimUserEmails(userId, new Date(now).toISOString(), new Date(now + LEASE_MS).toISOString());
    const rows = [...first, ...more.filter((m) => !first.some((f) => f.notificationId === m.notificationId))];
    const user = await ops.getUser(userId);
    const stored = await ops.notificationsByIds(
      userId,
      rows.map((r) => r.notificationId),
    );
    const preferences = await ops.preferencesOf([userId]);
    const byId = new Map<number, NotificationRow>(stored.map((n) => [n.id, n]));
    const unread = stored.filter((n) => n.readAt === null && choiceFor(preferences, n.type).email).sort((a, b) => b.id - a.id);
    const skipped = (row: DeliveryRow) => {
      const n = byId.get(row.notificationId);
      return n === undefined || n.readAt !== null ? 'skipped_read' : 'skipped_preference';
    };
    if (unread.length === 0 || !user || !o.mailer || !o.publicUrl) {
      for (const row of rows) await settle(row, skipped(row));
      return;
    }
    const unsubscribeUrl = `${o.publicUrl}/unsubscribe/${o.unsubscribe.sign(userId)}`;
    const outcome = await o.mailer.send(composeDigest(user, unread.map(presentNotification), o.publicUrl, unsubscribeUrl));
    const listed = new Set(unread.map((n) => n.id));
    switch (outcome.kind) {
      case 'delivered':
        for (const row of rows) await settle(row, listed.has(row.notificationId) ? 'delivered' : skipped(row));
        return;
      case 'retry': {
        o.log.warn({ user: userId, reason: outcome.reason }, 'email: the SMTP server failed; will retry');
        const attempts = Math.max(...rows.map((r) => r.attempts));
        const at = Date.now() + backoffMs(attempts);
        for (const row of rows) await retryOrExpire({ ...row, attempts }, at);
        return;
      }
      case 'rejected':
        o.log.warn({ user: userId, reason: outcome.reason }, 'email: refused by the SMTP server; not retried');
        for (const row of rows) await settle(row, 'rejected');
        return;
    }
  }

  // What was due while no worker ran (a restart) goes at once.
  run();
  return {
    wake(atMs) {
      // Bounded: past the bound the poll still finds every row, a second later at most.
      if (atMs > Date.now() && wakes.length < 10_000) wakes.push(atMs);
      schedule(atMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      o.mailer?.close();
    },
  };
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

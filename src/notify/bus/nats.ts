// Cross-instance fan-out on NATS (BUS_URL=nats://…): one subject per user, chipin.u.<userId>. An instance
// subscribes when it opens a user's first stream and unsubscribes when the last one closes (the hub's
// `users` hook), so it hears only the users it serves, and no commit takes PostgreSQL's NOTIFY lock.
//
// After COMMIT the writer hands the outbox to its own hub directly and publishes, per receiver, one message
// with that user's rows and group.updated hints. The connection is made with noEcho (NATS protocol CONNECT
// `echo: false`), so the writer's own subscriptions are not sent its messages back.
//
// NATS core is at-most-once, and the writer may die between COMMIT and publish: the per-heartbeat counter
// check (./counter-check.ts) reads every served user's last id in one query and repairs any stream behind it
// from the store. While the connection is down, streams live on that check alone; on reconnect the client
// re-sends its subscriptions and every stream re-reads the store (hub.resyncAll). Nothing fails for it:
// publishes are dropped or buffered by the client, /healthz stays 200, the state is in /metrics and the log.
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { NotificationRow, Ops } from '../../store/store.ts';
import type { Bus, BusHub } from './bus.ts';
import { startCounterCheck } from './counter-check.ts';

export const SUBJECT_PREFIX = 'chipin.u.';
const BACKOFF_MS = { first: 100, max: 5000 };

/** What one user is told about one commit. */
/** `g`: the groups that changed, each with its change counter (the hub coalesces to the newest). */
type Message = { n?: NotificationRow[]; g?: { groupId: string; version?: number }[] };

export type BusLog = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };

export type NatsBusOptions = {
  url: string;
  hub: BusHub;
  store: Pick<Ops, 'notificationCounters'>;
  /** The counter check runs once per heartbeat period. */
  heartbeatMs: number;
  log: BusLog;
  /** true while connected; false: degraded (the counter check alone delivers). */
  onState(connected: boolean): void;
};

export function natsBus(options: NatsBusOptions): Bus {
  const { url, hub, store, log } = options;
  /** The users with a stream here, with their subscription once connected. */
  const watched = new Map<string, Subscription | undefined>();
  let nc: NatsConnection | undefined;
  let closed = false;
  let wake: (() => void) | undefined;

  const check = startCounterCheck(hub, store, options.heartbeatMs, (err) => log.warn({ err }, 'notification counter check failed'));

  function hear(userId: string, data: Uint8Array) {
    let m: Message;
    try {
      m = JSON.parse(Buffer.from(data).toString('utf8')) as Message;
    } catch {
      hub.resyncAll(); // an unreadable message is a lost one: heal from the store
      return;
    }
    hub.publish({
      notifications: m.n ?? [],
      groupUpdates: (m.g ?? []).map(({ groupId, version }) => ({ groupId, version, memberIds: [userId] })),
    });
  }

  function subscribe(c: NatsConnection, userId: string) {
    watched.set(
      userId,
      c.subscribe(SUBJECT_PREFIX + userId, { callback: (err, msg) => void (err ? hub.resyncAll() : hear(userId, msg.data)) }),
    );
  }

  async function run() {
    for (let failures = 0; !closed; ) {
      let c: NatsConnection;
      try {
        // The client reconnects by itself once connected (and re-sends its subscriptions); only the first
        // connection is retried here, so an instance starts, and serves, while NATS is away.
        c = await connect({
          servers: url,
          name: `chipin-${process.pid}`,
          noEcho: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          reconnectJitter: 250,
          // A server that vanished without a FIN is noticed within pingInterval × (maxPingOut + 1).
          pingInterval: 5000,
          maxPingOut: 2,
          timeout: 2000,
        });
      } catch (err) {
        if (failures === 0)
          log.warn({ err: (err as Error).message, url }, 'NATS unreachable: streams rely on the per-heartbeat check until it answers');
        const delay = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** failures++) * (0.5 + Math.random() / 2);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, delay).unref();
        });
        continue;
      }
      if (closed) {
        await c.close().catch(() => undefined);
        return;
      }
      failures = 0;
      nc = c;
      for (const userId of watched.keys()) subscribe(c, userId);
      options.onState(true);
      log.info({ url }, 'NATS connected');
      hub.resyncAll(); // whatever committed before we listened
      void watchStatus(c);
      await c.closed();
      nc = undefined;
      for (const userId of watched.keys()) watched.set(userId, undefined);
      if (!closed) {
        options.onState(false);
        log.warn({ url }, 'NATS connection closed: connecting again');
      }
    }
  }

  async function watchStatus(c: NatsConnection) {
    for await (const s of c.status()) {
      if (s.type === 'disconnect') {
        options.onState(false);
        log.warn({ url }, 'NATS disconnected: streams rely on the per-heartbeat check until it is back');
      } else if (s.type === 'reconnect') {
        options.onState(true);
        log.info({ url }, 'NATS reconnected: every stream re-reads the store');
        // The client has re-sent the subscriptions; what was published meanwhile is read from the store.
        hub.resyncAll();
      }
    }
  }

  options.onState(false);
  void run();

  function publish(c: NatsConnection, userId: string, m: Message) {
    try {
      c.publish(SUBJECT_PREFIX + userId, JSON.stringify(m));
    } catch {
      // Closed, or over the server's max_payload: the receivers' counter check reads it from the store.
    }
  }

  return {
    afterCommit(outbox) {
      hub.publish(outbox); // this instance's own streams, without a round trip through NATS
      const c = nc;
      if (!c || c.isClosed()) return;
      const byUser = new Map<string, Message>();
      const of = (userId: string) => {
        let m = byUser.get(userId);
        if (!m) byUser.set(userId, (m = {}));
        return m;
      };
      for (const row of outbox.notifications) (of(row.userId).n ??= []).push(row);
      for (const { groupId, version, memberIds } of outbox.groupUpdates)
        for (const userId of memberIds) (of(userId).g ??= []).push({ groupId, version });
      for (const [userId, m] of byUser) publish(c, userId, m);
    },
    watchUser(userId) {
      if (watched.has(userId)) return;
      watched.set(userId, undefined);
      const c = nc;
      if (!c || c.isClosed()) return;
      subscribe(c, userId);
      // Until the server has the subscription, a publish for this user reaches no one here: once it has
      // (flush waits for its PONG), one look at the counter catches what fell in between.
      c.flush()
        .then(
          () => store.notificationCounters([userId]).then((counters) => hub.resyncBehind(counters)),
          () => undefined,
        )
        .catch(() => undefined);
    },
    unwatchUser(userId) {
      const sub = watched.get(userId);
      watched.delete(userId);
      try {
        sub?.unsubscribe();
      } catch {
        // the connection is closing: the subscription goes with it
      }
    },
    async close() {
      closed = true;
      check.stop();
      wake?.();
      const c = nc;
      nc = undefined;
      await c?.close().catch(() => undefined);
    },
  };
}

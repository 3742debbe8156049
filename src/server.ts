// Wires one Chipin instance: store → hub → bus → commands → HTTP. Used by main.ts and by the tests.
import { randomUUID } from 'node:crypto';
import type { Config } from './config.ts';
import { openStore } from './store/open.ts';
import { createHub } from './notify/hub.ts';
import { createMetrics, type Metrics } from './notify/metrics.ts';
import { memoryBus } from './notify/bus/memory.ts';
import type { BusLog } from './notify/bus/nats.ts';
import { buildApp, type App } from './http/app.ts';
import { openRedis } from './http/redis.ts';
import { createStreamCap } from './notify/stream-cap.ts';
import type { Deps } from './commands/deps.ts';
import type { Hub } from './notify/hub.ts';
import type { Bus, BusHub } from './notify/bus/bus.ts';
import type { Store } from './store/store.ts';
import { IDEMPOTENCY_RETENTION_MS } from './commands/idempotency.ts';
import { loadUnsubscribeTokens, loadVapid } from './notify/deliveries/keys.ts';
import { planner } from './notify/deliveries/plan.ts';
import { startDeliveryWorker, type DeliveryWorker } from './notify/deliveries/worker.ts';
import { deliveryMetrics } from './notify/deliveries/metrics.ts';
import { smtpMailer } from './notify/deliveries/email.ts';

export type Server = { app: App; hub: Hub; store: Store; url: string; close: () => Promise<void> };

/**
 * BUS_URL names NATS: a subject per user, whatever the database. Without it the bus follows the database:
 * SQLite is owned by one instance, so its hub hears everything in-process; PostgreSQL may have several
 * instances, which hear each other's commits through LISTEN/NOTIFY.
 */
async function openBus(config: Config, store: Store, hub: BusHub, metrics: Metrics, log: BusLog): Promise<Bus> {
  if (config.busUrl) {
    const { natsBus } = await import('./notify/bus/nats.ts');
    const gauge = metrics.busConnected.labels({ bus: 'nats' });
    return natsBus({
      url: config.busUrl,
      hub,
      store: store.read,
      heartbeatMs: config.heartbeatMs,
      log,
      onState: (up) => gauge.set(up ? 1 : 0),
    });
  }
  if (store.dialect === 'sqlite') return memoryBus(hub);
  const { postgresBus } = await import('./notify/bus/postgres.ts');
  return postgresBus({ url: config.databaseListenUrl, store: store.read, hub });
}

/** Tests only (CHIPIN_TEST_KILL_AFTER_COMMITS): the process dies between COMMIT and publish, as a crash would. */
function killAfterCommits(bus: Bus, n: number): Bus {
  let commits = 0;
  return {
    ...bus,
    afterCommit(outbox) {
      if (outbox.notifications.length > 0 && ++commits >= n) process.kill(process.pid, 'SIGKILL');
      bus.afterCommit(outbox);
    },
  };
}

export async function startServer(config: Config): Promise<Server> {
  const store = await openStore(config);
  const metrics = createMetrics();
  // The hub and the bus know each other: the bus hands what it hears to the hub, the hub tells the bus whose
  // streams it holds. Created in that order, so the hub's hook reaches the bus through this variable.
  let bus: Bus | undefined;
  let app: App | undefined;
  const hub = createHub({
    store: store.read,
    maxStreamsPerUser: config.maxStreamsPerUser,
    streamQueueBytes: config.streamQueueBytes,
    heartbeatMs: config.heartbeatMs,
    groupHintMs: config.groupHintMs,
    stallMs: config.streamStallMs,
    metrics,
    // Other instances may end a session (PostgreSQL is shared): one query per heartbeat round notices it.
    // On SQLite this process is the only one, and ends its sessions' streams itself.
    existingSessions: store.dialect === 'postgres' ? (hashes) => store.read.existingSessions(hashes) : undefined,
    users: { opened: (userId) => bus?.watchUser?.(userId), closed: (userId) => bus?.unwatchUser?.(userId) },
  });
  // The bus logs through the app's logger, which exists once the app does (the bus says nothing before).
  const log: BusLog = { info: (obj, msg) => app?.log.info(obj, msg), warn: (obj, msg) => app?.log.warn(obj, msg) };
  bus = await openBus(config, store, hub, metrics, log);
  if (config.testKillAfterCommits > 0) bus = killAfterCommits(bus, config.testKillAfterCommits);
  const { channels } = config;
  const vapid = await loadVapid(store.read, channels);
  const unsubscribe = await loadUnsubscribeTokens(store.read);
  const pushOn = vapid.subject !== undefined;
  const emailOn = channels.smtpUrl !== undefined && channels.mailFrom !== undefined && config.publicUrl !== undefined;
  let worker: DeliveryWorker | undefined;
  const deps: Deps = {
    store,
    now: () => new Date(),
    bus,
    sessionTtlMs: config.sessionTtlMs,
    idempotencyLeaseMs: config.idempotencyLeaseMs,
    unpayWindowMs: config.unpayWindowMs,
    deliveries: planner(
      {
        push: pushOn,
        email: emailOn,
        pushDelayMs: channels.pushDelaySeconds * 1000,
        pushTtlMs: channels.pushTtlSeconds * 1000,
        emailDelayMs: channels.emailDelaySeconds * 1000,
      },
      (atMs) => worker?.wake(atMs),
    ),
  };
  let accepting = false;
  const redis = config.redisUrl ? openRedis(config.redisUrl) : undefined;
  const streamCap = redis
    ? createStreamCap({
        redis,
        keyPrefix: config.redisKeyPrefix,
        cap: config.maxStreamsPerUser,
        heartbeatMs: config.heartbeatMs,
        instance: randomUUID(),
        log: (err, msg) => app?.log.warn({ err }, msg),
      })
    : undefined;
  app = await buildApp({ config, deps, hub, metrics, ready: () => accepting, redis, streamCap, channels: { vapid, unsubscribe } });
  const started = app;
  // Said once at start-up, so an operator knows which offline channels run (docs/operations.md "Offline channels").
  if (!pushOn) app.log.warn('Web Push is off: set VAPID_SUBJECT (a mailto: or https: URI), MAIL_FROM, or an https PUBLIC_URL');
  if (!emailOn) app.log.info('email notifications are off: SMTP_URL is not set');
  worker = startDeliveryWorker({
    store,
    log: app.log,
    metrics: deliveryMetrics(metrics.registry, store.read),
    vapid,
    channels,
    publicUrl: config.publicUrl,
    mailer: emailOn ? smtpMailer(channels.smtpUrl!, channels.mailFrom!) : undefined,
    unsubscribe,
  });

  const purge = setInterval(() => {
    store.read
      .purgeIdempotency(new Date(Date.now() - IDEMPOTENCY_RETENTION_MS).toISOString())
      .catch((err: unknown) => started.log.warn({ err }, 'idempotency purge failed'));
    // Expired sessions no longer authenticate (the expiry is checked on every use); this only reclaims the rows.
    store.read.purgeSessions(new Date().toISOString()).catch((err: unknown) => started.log.warn({ err }, 'session purge failed'));
  }, 3600_000);
  purge.unref();

  const address = await app.listen({ port: config.port, host: config.host });
  accepting = true;

  let closing: Promise<void> | undefined;
  const openedBus = bus;
  return {
    app,
    hub,
    store,
    url: address.replace('[::1]', 'localhost'),
    close() {
      closing ??= (async () => {
        accepting = false;
        clearInterval(purge);
        // Streams first, so clients are told to come back (SSE retry with jitter, WebSocket 1012).
        hub.shutdown();
        await started.close();
        // After the HTTP server: no new notification can wake it; a send in progress finishes and is recorded.
        await worker?.stop();
        await openedBus.close();
        streamCap?.close();
        redis?.disconnect();
        await store.close();
      })();
      return closing;
    },
  };
}

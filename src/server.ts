// Wires one Chipin instance: store → hub → bus → commands → HTTP. Used by main.ts and by the tests.
import type { Config } from './config.ts';
import { openStore } from './store/open.ts';
import { createHub } from './notify/hub.ts';
import { createMetrics } from './notify/metrics.ts';
import { memoryBus } from './notify/bus/memory.ts';
import { buildApp, type App } from './http/app.ts';
import type { Deps } from './commands/deps.ts';
import type { Hub } from './notify/hub.ts';
import type { Bus, BusHub } from './notify/bus/bus.ts';
import type { Store } from './store/store.ts';
import { IDEMPOTENCY_RETENTION_MS } from './commands/idempotency.ts';

export type Server = { app: App; hub: Hub; store: Store; url: string; close: () => Promise<void> };

/**
 * The bus follows the database: SQLite is owned by one instance, so its hub hears everything in-process;
 * PostgreSQL may have several instances, which hear each other's commits through LISTEN/NOTIFY.
 */
async function openBus(config: Config, store: Store, hub: BusHub): Promise<Bus> {
  if (store.dialect === 'sqlite') return memoryBus(hub);
  const { postgresBus } = await import('./notify/bus/postgres.ts');
  return postgresBus({ url: config.databaseUrl, store: store.read, hub });
}

export async function startServer(config: Config): Promise<Server> {
  const store = await openStore(config);
  const metrics = createMetrics();
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
  });
  const bus = await openBus(config, store, hub);
  const deps: Deps = { store, now: () => new Date(), bus, sessionTtlMs: config.sessionTtlMs };
  let accepting = false;
  const app = await buildApp({ config, deps, hub, metrics, ready: () => accepting });

  const purge = setInterval(() => {
    store.read.purgeIdempotency(new Date(Date.now() - IDEMPOTENCY_RETENTION_MS).toISOString()).catch((err: unknown) => app.log.warn({ err }, 'idempotency purge failed'));
    // Expired sessions no longer authenticate (the expiry is checked on every use); this only reclaims the rows.
    store.read.purgeSessions(new Date().toISOString()).catch((err: unknown) => app.log.warn({ err }, 'session purge failed'));
  }, 3600_000);
  purge.unref();

  const address = await app.listen({ port: config.port, host: config.host });
  accepting = true;

  let closing: Promise<void> | undefined;
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
        await app.close();
        await bus.close();
        await store.close();
      })();
      return closing;
    },
  };
}

// Test harness: a real Chipin server on a real socket, in this process, over a real store (a SQLite file in a
// temporary folder, or a throw-away PostgreSQL database under TEST_STORE=postgres: see test-data.ts).
// It can be stopped and started again on the same port and data (what a deploy looks like to a client that
// stays connected), and a second instance can run on the same data meanwhile.
import { parseConfig } from '../../src/config.ts';
import { startServer, type Server } from '../../src/server.ts';
import { testData } from './test-data.ts';

export type TestServer = Server & {
  /** The server's own temporary folder (its SQLite file, unless DATABASE_URL was given). */
  dir: string;
  /** The settings it runs with. */
  env: Record<string, string>;
  /** Graceful stop, as on SIGTERM (streams are told to come back); the data stays. */
  stop(): Promise<void>;
  /** Starts it again after stop(), on the same port and the same data. */
  start(): Promise<void>;
  /** Another instance on the same data and a port of its own (on SQLite: while this one is stopped). */
  sidecar(env?: Record<string, string>): Promise<Server>;
  /** Stops it and its sidecars and removes its data. Safe to call twice. */
  close(): Promise<void>;
};

/**
 * `url` stays the same across stop() and start(); `app`, `hub`, `store` and the rest of Server are those of
 * the instance running now (reading them while stopped throws).
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const data = await testData(env, 'chipin-test-', 'always');
  const fullEnv = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT: 'off', ...env, DATABASE_URL: data.databaseUrl };
  let current: Server | undefined;
  try {
    current = await startServer(parseConfig(fullEnv));
  } catch (e) {
    await data.remove();
    throw e;
  }
  const first = current;
  const port = new URL(first.url).port;
  const sidecars = new Set<Server>();
  let closed = false;
  const running = () => {
    if (!current) throw new Error('the test server is stopped: start() it first');
    return current;
  };
  const stop = async () => {
    const server = current;
    current = undefined;
    await server?.close();
  };
  // What the kit adds, and url; the rest of Server is defined below.
  const kit: Omit<TestServer, Exclude<keyof Server, 'url' | 'close'>> = {
    url: first.url,
    dir: data.dir,
    env: fullEnv,
    stop,
    async start() {
      if (closed) throw new Error('the test server was closed');
      current ??= await startServer(parseConfig({ ...fullEnv, PORT: port }));
    },
    async sidecar(extra: Record<string, string> = {}): Promise<Server> {
      if (closed) throw new Error('the test server was closed');
      const server = await startServer(parseConfig({ ...fullEnv, ...extra, PORT: '0' }));
      sidecars.add(server);
      return {
        ...server,
        close: async () => {
          sidecars.delete(server);
          await server.close();
        },
      };
    },
    async close() {
      closed = true;
      try {
        await Promise.all([...sidecars].map((s) => s.close()));
        sidecars.clear();
        await stop();
      } finally {
        await data.remove();
      }
    },
  };
  // Everything else a Server has, read from the running instance, whatever fields startServer returns.
  for (const key of Object.keys(first) as (keyof Server)[]) {
    if (!(key in kit)) Object.defineProperty(kit, key, { get: () => running()[key], enumerable: true });
  }
  return kit as TestServer;
}

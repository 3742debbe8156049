// The real server, in this process, that can be stopped and started again on the same port and the same
// SQLite file: what a deploy looks like to a browser that stays open.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config.ts';
import { startServer, type Server } from '../../src/server.ts';
import { freePort } from '../support/free-port.ts';

export type RestartableServer = {
  readonly url: string;
  /** The running instance (its hub's stats are the server's own count of open streams). */
  readonly current: Server;
  /** Graceful stop, as on SIGTERM: streams are closed first, telling clients to come back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** A second instance on another port and the same database, for changes made while this one is down. */
  sidecar(): Promise<Server>;
  /** Stops the server and removes its database. */
  dispose(): Promise<void>;
};

export async function startRestartableServer(webRoot: string): Promise<RestartableServer> {
  const dir = mkdtempSync(join(tmpdir(), 'chipin-browsers-'));
  const port = await freePort();
  const env = { HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT: 'off', DATABASE_URL: `sqlite:${join(dir, 'chipin.db')}`, WEB_ROOT: webRoot };
  let server: Server | undefined = await startServer(parseConfig({ ...env, PORT: String(port) }));
  let disposed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    get current() {
      if (!server) throw new Error('the server is stopped');
      return server;
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
    async start() {
      if (disposed) throw new Error('the server was disposed');
      server ??= await startServer(parseConfig({ ...env, PORT: String(port) }));
    },
    async sidecar() {
      if (disposed) throw new Error('the server was disposed');
      return startServer(parseConfig({ ...env, PORT: '0' }));
    },
    async dispose() {
      disposed = true;
      await server?.close();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Start-up: config → store → hub → http; graceful shutdown on SIGTERM/SIGINT.
import { type Config, ConfigError, parseConfig } from './config.ts';
import { type Server, startServer } from './server.ts';
import { DatabaseInUseError } from './store/sqlite/owner-lock.ts';

let config: Config;
try {
  config = parseConfig(process.env);
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`chipin: configuration error: ${e.message}`);
    process.exit(1);
  }
  throw e;
}

let server: Server;
try {
  server = await startServer(config);
} catch (e) {
  // Another live process owns the SQLite file (src/store/sqlite/owner-lock.ts): one line, not a stack trace.
  if (e instanceof DatabaseInUseError) {
    console.error(`chipin: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
server.app.log.info({ url: server.url, database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@') }, 'chipin listening');

const SHUTDOWN_DEADLINE_MS = 5000;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.app.log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

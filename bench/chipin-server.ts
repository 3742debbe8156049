// Chipin as the benchmark runs it: src/server.ts's startServer, configured from the environment like
// src/main.ts, plus the loopback admin endpoint (bench/admin.ts). The hooks live here so src/ has none.
import pg from 'pg';
import { parseConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import type { NotificationRow } from '../src/store/store.ts';
import { announce, startAdmin, timedChunks } from './admin.ts';
import { billNotificationData, receiverId } from './fixtures.ts';

// Round trips to PostgreSQL: node-postgres sends one query at a time per connection and waits for its
// answer, so each Client#query call is one round trip. Counted here, so src/ carries no benchmark hook.
let queries = 0;
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  queries++;
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof clientQuery;

const server = await startServer(parseConfig(process.env));

const adminPort = await startAdmin({
  stats: () => ({ connections: server.hub.stats().subscribers, queries }),
  // The hub-to-socket cost: real notification rows are committed first (not timed), then handed to
  // hub.publish one per call, as the bill commands do after commit. Ids follow each user's last one, so
  // the hub writes them straight through without going back to the store.
  burst: async (body) => {
    const count = Number(body.count);
    const users = Number(body.users);
    const chunk = Number(body.chunk ?? 500);
    const createdAt = new Date().toISOString();
    const rows = await server.store.transaction(async (tx) => {
      const out: NotificationRow[] = [];
      for (let k = 0; k < count; k++) {
        const user = k % users;
        out.push(
          await tx.appendNotification(receiverId(user), 'bill.created', createdAt, JSON.stringify(billNotificationData('burst', k, user))),
        );
      }
      return out;
    });
    return timedChunks(count, chunk, (k) => server.hub.publish({ notifications: [rows[k]], groupUpdates: [] }));
  },
});

announce({ port: Number(new URL(server.url).port), adminPort });

// A clean exit, so `--cpu-prof` writes its profile.
process.once('SIGTERM', () => {
  setTimeout(() => process.exit(1), 5000).unref();
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});

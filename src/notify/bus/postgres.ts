// Cross-instance fan-out over PostgreSQL's own LISTEN/NOTIFY, so scaling out needs no other service.
//
// Notification rows are announced inside the transaction that writes them (beforeCommit, through the
// store's neutral tx.notify), so every instance, the writer included, hears them through its LISTEN
// connection on commit, in commit order, and never for a rolled-back write. The group.updated hints of the
// change ride the same COMMIT (the store sends its NOTIFYs with the COMMIT, one round trip); afterCommit
// sends hints only for an outbox whose transaction did not (none today). While the LISTEN connection is down, what was
// announced is gone; once it is back, every local subscriber reads what it missed from the store
// (hub.resyncAll), so the outage costs latency only.
import pg from 'pg';
import type { NotificationRow, Ops } from '../../store/store.ts';
import type { Outbox } from '../outbox.ts';
import type { Bus, BusHub } from './bus.ts';

export const CHANNEL = 'chipin';
/** PostgreSQL docs (NOTIFY): the payload "must be shorter than 8000 bytes" in the default configuration. */
const MAX_PAYLOAD_BYTES = 7999;
const BACKOFF_MS = { first: 100, max: 5000 };

type Message =
  | { n: NotificationRow }
  /** A row too large to carry; the listener reads it from the store (it is committed before it is heard). */
  | { ref: { userId: string; id: number } }
  | { g: Outbox['groupUpdates'][number] };

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function notificationPayloads(rows: NotificationRow[]): string[] {
  return rows.map((row) => {
    const full = JSON.stringify({ n: row } satisfies Message);
    return bytes(full) <= MAX_PAYLOAD_BYTES ? full : JSON.stringify({ ref: { userId: row.userId, id: row.id } } satisfies Message);
  });
}

/** A large group's member list is split over several payloads. */
function groupPayloads(updates: Outbox['groupUpdates']): string[] {
  const out: string[] = [];
  for (const { groupId, version, memberIds } of updates) {
    const empty = bytes(JSON.stringify({ g: { groupId, version, memberIds: [] } } satisfies Message));
    let chunk: string[] = [];
    let size = empty;
    const flush = () => {
      if (chunk.length > 0) out.push(JSON.stringify({ g: { groupId, version, memberIds: chunk } } satisfies Message));
      chunk = [];
      size = empty;
    };
    for (const id of memberIds) {
      const add = bytes(JSON.stringify(id)) + 1; // the id and a comma
      if (size + add > MAX_PAYLOAD_BYTES) flush();
      chunk.push(id);
      size += add;
    }
    flush();
  }
  return out;
}

export type PostgresBusOptions = {
  /** The database's URL: LISTEN runs on a connection of its own. */
  url: string;
  /** Autocommit operations: NOTIFY outside a transaction, and reading back rows too large to carry. */
  store: Pick<Ops, 'notify' | 'notificationsAfter'>;
  hub: Pick<BusHub, 'publish' | 'resyncAll'>;
};

export function postgresBus(options: PostgresBusOptions): Bus {
  const { url, store, hub } = options;
  let client: pg.Client | undefined;
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  function hear(payload: string) {
    const m = JSON.parse(payload) as Message;
    if ('n' in m) hub.publish({ notifications: [m.n], groupUpdates: [] });
    else if ('g' in m) hub.publish({ notifications: [], groupUpdates: [m.g] });
    else {
      store.notificationsAfter(m.ref.userId, m.ref.id - 1, 1).then(
        (rows) => hub.publish({ notifications: rows, groupUpdates: [] }),
        // The store is failing: subscribers that cannot catch up are closed and resume by id when they return.
        () => hub.resyncAll(),
      );
    }
  }

  // A dedicated client, not from the pool: LISTEN belongs to a session, and a pooled client is shared.
  async function connect() {
    timer = undefined;
    const c = new pg.Client({ connectionString: url, keepAlive: true });
    let lost = false;
    const lose = () => {
      if (lost) return;
      lost = true;
      if (client === c) client = undefined;
      c.end().catch(() => undefined);
      reconnectLater();
    };
    c.on('error', lose);
    c.on('end', lose);
    c.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        hear(msg.payload);
      } catch {
        hub.resyncAll(); // an unreadable payload is a lost message: heal from the store
      }
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch {
      lose();
      return;
    }
    if (closed) {
      lost = true;
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    failures = 0;
    // Listening again: whatever committed while nobody listened is read from the store, from each
    // subscriber's last delivered id. Also run on the first connect, for subscribers that came earlier.
    hub.resyncAll();
  }

  function reconnectLater() {
    if (closed || timer) return;
    // Exponential with jitter, so instances that lost the database together do not return in lock-step.
    const delay = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** failures++) * (0.5 + Math.random() / 2);
    timer = setTimeout(() => void connect(), delay);
  }

  void connect();

  /** Outboxes whose group hints were sent inside their transaction (beforeCommit); afterCommit skips them. */
  const hintsSent = new WeakSet<Outbox>();
  return {
    async beforeCommit(tx, outbox) {
      // NOTIFY inside the transaction: PostgreSQL delivers it on COMMIT and drops it on ROLLBACK, so
      // every listening instance hears exactly the rows that were stored, and only once they are visible.
      // The group hints (their versions are stamped by now) ride the same COMMIT: no round trip of their own.
      const payloads = [...notificationPayloads(outbox.notifications), ...groupPayloads(outbox.groupUpdates)];
      if (payloads.length > 0) await tx.notify(CHANNEL, payloads);
      if (outbox.groupUpdates.length > 0) hintsSent.add(outbox);
    },
    afterCommit(outbox) {
      // outbox.notifications were announced by their transaction; sending them here would deliver them twice.
      // So were its hints, when its transaction ran beforeCommit.
      if (hintsSent.delete(outbox)) return;
      const payloads = groupPayloads(outbox.groupUpdates);
      if (payloads.length === 0) return;
      // A refresh hint that cannot be broadcast still reaches this instance's clients.
      store.notify(CHANNEL, payloads).catch(() => hub.publish({ notifications: [], groupUpdates: outbox.groupUpdates }));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

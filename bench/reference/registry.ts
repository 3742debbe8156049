// What every reference server shares: connections by user, a heartbeat, and the loopback endpoint that
// publishes (one user, a list, or everyone) and runs the CPU burst. Each server supplies only its transport.
import { announce, startAdmin, timedChunks } from '../admin.ts';
import { billNotificationData, notificationJson, type Phase } from '../fixtures.ts';

/** One open stream as the registry sees it: how to send a notification (JSON text) and a heartbeat. */
export type Peer = { send(id: number, json: string): void; heartbeat(): void };

export type Transport = {
  /** Optional whole-audience send that encodes once (Socket.IO's io.emit); otherwise each peer is sent to. */
  broadcast?: (id: number, json: string) => void;
  /** Optional targeted send that takes the data object, for libraries that serialize themselves. */
  sendTo?: (user: number, id: number, data: object) => boolean;
  /** Heartbeats the library does by itself (Socket.IO's ping) leave this false. */
  ownHeartbeat?: boolean;
};

export type Registry = ReturnType<typeof createRegistry>;

export function createRegistry() {
  const byUser = new Map<number, Peer>();
  return {
    add(user: number, peer: Peer): () => void {
      byUser.set(user, peer);
      return () => {
        if (byUser.get(user) === peer) byUser.delete(user);
      };
    },
    get: (user: number) => byUser.get(user),
    get size() {
      return byUser.size;
    },
    peers: () => byUser.values(),
  };
}

type PublishBody = { to: number | number[] | 'all'; phase: Phase; seq: number };

/**
 * Starts the admin endpoint and the heartbeat. The heartbeat is the naive one most servers have: every peer
 * in one tick, once per period (what Chipin's hub spreads over the period instead).
 */
export async function serveReference(registry: Registry, transport: Transport, extra: Record<string, unknown>) {
  const heartbeatMs = Number(process.env.HEARTBEAT_MS ?? 25_000);
  if (!transport.ownHeartbeat) {
    setInterval(() => {
      for (const peer of registry.peers()) peer.heartbeat();
    }, heartbeatMs).unref();
  }

  const deliver = (user: number, id: number, phase: Phase, seq: number) => {
    const data = billNotificationData(phase, seq, user);
    if (transport.sendTo) return transport.sendTo(user, id, data);
    const peer = registry.get(user);
    if (!peer) return false;
    peer.send(id, notificationJson(id, JSON.stringify(data)));
    return true;
  };

  const adminPort = await startAdmin({
    stats: () => ({ connections: registry.size }),
    publish: (body) => {
      const { to, phase, seq } = body as PublishBody;
      if (to === 'all') {
        const json = notificationJson(seq, JSON.stringify(billNotificationData(phase, seq, 0)));
        if (transport.broadcast) transport.broadcast(seq, json);
        else for (const peer of registry.peers()) peer.send(seq, json);
      } else {
        for (const user of Array.isArray(to) ? to : [to]) deliver(user, seq, phase, seq);
      }
      return undefined;
    },
    // The hub-to-socket cost: the data text exists beforehand (Chipin reads it from its store), the timed
    // part wraps it, frames it and writes it, one message per publish.
    burst: async (body) => {
      const count = Number(body.count);
      const users = Number(body.users);
      const chunk = Number(body.chunk ?? 500);
      const data = Array.from({ length: count }, (_, k) => billNotificationData('burst', k, k % users));
      const texts = transport.sendTo ? [] : data.map((d) => JSON.stringify(d));
      return timedChunks(count, chunk, (k) => {
        const user = k % users;
        if (transport.sendTo) transport.sendTo(user, k, data[k]);
        else registry.get(user)?.send(k, notificationJson(k, texts[k]));
      });
    },
  });
  announce({ adminPort, ...extra });
  process.on('SIGTERM', () => process.exit(0));
}

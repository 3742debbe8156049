// What the hub needs from a transport: SSE and WebSocket implement it, the hub does the rest
// (replay, ordering, de-duplication, caps, heartbeats), so both transports have the same semantics.
import type { GroupUpdated, Reset } from '../contract/events.ts';

export type Transport = 'sse' | 'ws';
/**
 * `evicted` and `logged_out` tell the client not to come back by itself: one stream too many for the user,
 * or the session the stream was opened with has ended (logout, logout everywhere, a password change, expiry).
 */
export type CloseReason = 'evicted' | 'logged_out' | 'slow' | 'shutdown' | 'heartbeat' | 'client';

export interface Connection {
  readonly transport: Transport;
  /** `json` is the notification exactly as in the inbox. */
  sendNotification(id: number, type: string, json: string): void;
  sendControl(message: GroupUpdated | Reset): void;
  /** Heartbeat round: a comment (SSE) or a ping (WebSocket). Returns false when the peer is dead. */
  heartbeat(): boolean;
  /** Bytes written but not yet taken by the kernel. */
  bufferedBytes(): number;
  /** Closes from the server side, saying why in the transport's own terms. Idempotent. */
  close(reason: CloseReason): void;
}

// WebSocket transport (RFC 6455): one text message per notification, the same JSON as the inbox;
// control messages carry their own `type`. Heartbeat by ping/pong; a peer that misses two is dropped.
import type { WebSocket } from 'ws';
import { WS_CLOSE, type GroupUpdated, type Reset } from '../contract/events.ts';
import type { CloseReason, Connection } from './connection.ts';

export function wsConnection(socket: WebSocket): Connection {
  let missed = 0;
  let closed = false;
  socket.on('pong', () => {
    missed = 0;
  });
  const send = (text: string) => {
    if (!closed && socket.readyState === socket.OPEN) socket.send(text);
  };
  return {
    transport: 'ws',
    sendNotification(_id, _type, json) {
      send(json);
    },
    sendControl(message: GroupUpdated | Reset) {
      send(JSON.stringify(message));
    },
    heartbeat() {
      if (closed || socket.readyState !== socket.OPEN) return false;
      if (missed >= 2) return false;
      missed++;
      socket.ping();
      return true;
    },
    bufferedBytes() {
      return socket.bufferedAmount;
    },
    close(reason: CloseReason) {
      if (closed) return;
      closed = true;
      switch (reason) {
        case 'evicted':
          socket.close(WS_CLOSE.evicted, 'evicted: too many streams');
          break;
        case 'shutdown':
          socket.close(WS_CLOSE.shutdown, 'server restarting');
          break;
        case 'slow':
          socket.close(WS_CLOSE.slowConsumer, 'slow consumer');
          // A reader that stopped reading will not read the close frame either.
          setTimeout(() => socket.terminate(), 1000).unref();
          break;
        case 'heartbeat':
        case 'client':
          socket.terminate();
          break;
      }
    },
  };
}

// WebSocket transport (RFC 6455): one text message per notification, the same JSON as the inbox;
// control messages carry their own `type`. Heartbeat by ping/pong; a peer that misses two is dropped.
import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';
import { WS_CLOSE, type GroupUpdated, type Reset } from '../contract/events.ts';
import type { CloseReason, Connection } from './connection.ts';
import { releaseUpgradeResponse } from './detach.ts';

/** A class, as SseConnection: methods on a prototype, not five closures and their context per stream. */
class WsConnection implements Connection {
  readonly transport = 'ws' as const;
  readonly #socket: WebSocket;
  #missed = 0;
  #closed = false;

  constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('pong', this.#pong);
  }

  readonly #pong = () => {
    this.#missed = 0;
  };

  #send(text: string) {
    if (!this.#closed && this.#socket.readyState === this.#socket.OPEN) this.#socket.send(text);
  }

  sendNotification(_id: number, _type: string, json: string) {
    this.#send(json);
  }

  sendControl(message: GroupUpdated | Reset) {
    this.#send(controlText(message));
  }

  heartbeat() {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return false;
    if (this.#missed >= 2) return false;
    this.#missed++;
    this.#socket.ping();
    return true;
  }

  bufferedBytes() {
    return this.#socket.bufferedAmount;
  }

  close(reason: CloseReason) {
    if (this.#closed) return;
    this.#closed = true;
    const socket = this.#socket;
    switch (reason) {
      case 'evicted':
        socket.close(WS_CLOSE.evicted, 'evicted: too many streams');
        break;
      case 'logged_out':
        socket.close(WS_CLOSE.loggedOut, 'logged_out: the session ended');
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
  }
}

// A hint round hands the same message object to every stream of a group (src/notify/hub.ts): its text is
// built once, not once a stream.
let lastControl: GroupUpdated | Reset | undefined;
let lastText = '';
function controlText(message: GroupUpdated | Reset): string {
  if (message !== lastControl) {
    lastText = JSON.stringify(message);
    lastControl = message;
  }
  return lastText;
}

export function wsConnection(socket: WebSocket): Connection {
  return new WsConnection(socket);
}

// Shared listeners (`this` is the WebSocket), so a stream keeps no closures of its own for them.
function ignore() {}
function terminateOnError(this: WebSocket) {
  this.terminate();
}

/**
 * Takes over a WebSocket right after the handshake (`upgraded` is the request's TCP socket) and hands the
 * connection to `attach`, which returns what to call when it closes.
 */
export function acceptWs(socket: WebSocket, upgraded: Socket, attach: (conn: Connection) => () => void): void {
  // After the handshake nothing of the HTTP request may stay alive per stream: @fastify/websocket's error
  // listener closes over the Fastify request and reply, and the upgrade's ServerResponse stays attached to
  // the socket (with the request behind it). A shared listener replaces the first; the response lets go of
  // the socket (as Node does when a response finishes).
  socket.removeAllListeners('error');
  socket.on('error', terminateOnError);
  releaseUpgradeResponse(upgraded);
  // Notifications flow one way; anything the client sends is ignored (actions go over HTTP).
  socket.on('message', ignore);
  socket.on('close', attach(wsConnection(socket)));
}

// Once an SSE response head is written, the stream needs nothing of Node's HTTP machinery but the socket.
// Node keeps a parser, the request and response objects and several listeners per connection for the
// rest of its life (≈20 KB); this releases them the way Node itself does when it hands a socket to an
// 'upgrade' listener (lib/_http_server.js, onParserExecuteCommon → unconsume, freeParser), leaving a plain
// socket of a few KB. It leans on internals of the pinned Node 24, so every step is checked first: when
// anything is not as expected it changes nothing and returns false, and the caller keeps the
// ServerResponse path (slower, same bytes on the wire).
import { Socket } from 'node:net';

type NodeParser = { _consumed?: boolean; unconsume(): void; remove(): void; close(): void; [k: string | symbol]: unknown };
type HttpSocket = Socket & { parser?: NodeParser | null; _httpMessage?: unknown };

const SERVER_LISTENERS = ['data', 'end', 'close', 'drain', 'error', 'timeout', 'resume', 'pause'] as const;

export function detachFromHttp(socket: Socket): boolean {
  const s = socket as HttpSocket;
  const parser = s.parser;
  if (
    !(socket instanceof Socket) ||
    !parser ||
    typeof parser.unconsume !== 'function' ||
    typeof parser.remove !== 'function' ||
    typeof parser.close !== 'function'
  )
    return false;
  if (parser._consumed) parser.unconsume();
  parser._consumed = false;
  // Out of the server's connection list: its request/headers timeouts no longer apply to a stream.
  parser.remove();
  // Node's cleanParser + closeParserInstance: drop the parser's references to the request, the socket and
  // the server's callbacks, then free it on the next turn (freeing it inside the current one crashes).
  for (const key of ['incoming', 'socket', 'onIncoming', 'outgoing', 'joinDuplicateHeaders'] as const) parser[key] = null;
  for (const sym of Object.getOwnPropertySymbols(parser)) parser[sym] = null;
  setImmediate(() => parser.close());
  for (const ev of SERVER_LISTENERS) socket.removeAllListeners(ev);
  s.parser = null;
  s._httpMessage = null;
  // The server wrapped these to re-route 'data' to its parser; with no parser they are plain again.
  socket.on = Socket.prototype.on;
  socket.addListener = Socket.prototype.addListener;
  socket.prependListener = Socket.prototype.prependListener;
  socket.setTimeout(0);
  return true;
}

/**
 * After a WebSocket handshake routed through Fastify (@fastify/websocket hands the upgrade to a
 * ServerResponse), the response stays attached to the socket and keeps the request alive for the life of
 * the stream. Lets it go, as Node does when a response finishes; changes nothing if Node's shape differs.
 */
export function releaseUpgradeResponse(socket: Socket): void {
  const res = (socket as Socket & { _httpMessage?: { socket?: Socket | null; detachSocket?: (s: Socket) => void } | null })._httpMessage;
  if (res?.socket && typeof res.detachSocket === 'function') res.detachSocket(res.socket);
}

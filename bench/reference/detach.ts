// Hands a socket over from Node's HTTP server to the caller once a response head has been written on it,
// the way Node itself hands over an upgraded socket (lib/_http_server.js, onParserExecuteCommon): the HTTP
// listeners come off, the parser stops consuming the socket, leaves the server's connection list and is
// closed, and the ServerResponse lets go of the socket. After that, IncomingMessage, ServerResponse and the
// parser are garbage; only the net.Socket stays.
//
// It uses Node internals (socket.parser, res.detachSocket): this is the probe behind the suggested change
// to src/notify/sse.ts, pinned to the Node version the benchmark runs on, not a stable API.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type InternalParser = { unconsume(): void; remove(): void; close(): void; socket: unknown; incoming: unknown };

const HTTP_LISTENERS = ['data', 'end', 'close', 'drain', 'error', 'timeout'] as const;

/** Must run after the request callback has returned (the parser is still executing inside it): setImmediate. */
export function detachFromHttp(socket: Socket, res: ServerResponse): void {
  (res as unknown as { detachSocket(s: Socket): void }).detachSocket(socket);
  const holder = socket as unknown as { parser: InternalParser | null };
  const parser = holder.parser;
  for (const event of HTTP_LISTENERS) socket.removeAllListeners(event);
  if (parser) {
    parser.unconsume();
    parser.remove();
    parser.socket = null;
    parser.incoming = null;
    parser.close();
    holder.parser = null;
  }
  socket.setTimeout(0);
}

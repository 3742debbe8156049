// Reference (probe): SSE served on the raw socket once the head is written. node:http parses the request,
// then the socket is detached from it (Chipin's own src/notify/detach.ts, so the probe measures what the
// server does) and events are written with chunked framing by hand.
// What stays per connection is the net.Socket and one small closure: the memory Chipin's SSE could reach.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SSE_HEADERS, SSE_OPENING, userFromAuthorization } from '../fixtures.ts';
import { detachFromHttp } from '../../src/notify/detach.ts';
import { createRegistry, serveReference } from './registry.ts';

const registry = createRegistry();

const HEAD = `HTTP/1.1 200 OK\r\n${Object.entries({ ...SSE_HEADERS, connection: 'keep-alive', 'transfer-encoding': 'chunked' })
  .map(([k, v]) => `${k}: ${v}\r\n`)
  .join('')}\r\n`;

/** One chunk (RFC 9112 §7.1): the size in hex counts bytes, not characters. */
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

function noop() {}
function endOnEof(this: Socket) {
  this.destroy();
}

/** Kept outside the request callback so no closure here keeps the request or the response alive. */
function adopt(socket: Socket, user: number) {
  // A probe that cannot detach would measure something else: fail loudly instead.
  if (!detachFromHttp(socket)) throw new Error('detachFromHttp refused this socket: Node internals differ from the pinned version');
  socket.on('error', noop);
  // Keep reading so a client's FIN is seen at once; a stream request has no body to read.
  socket.on('data', noop);
  socket.on('end', endOnEof);
  const remove = registry.add(user, {
    send: (id, json) => socket.write(chunk(`id: ${id}\nevent: bill.created\ndata: ${json}\n\n`)),
    heartbeat: () => socket.write(chunk(':\n\n')),
  });
  socket.on('close', remove);
}

const server = createServer((req, res) => {
  const user = userFromAuthorization(req.headers.authorization);
  if (!req.url?.startsWith('/api/notifications/stream') || user === undefined) {
    res.writeHead(404).end();
    return;
  }
  req.socket.write(HEAD + chunk(SSE_OPENING));
  setImmediate(adopt, req.socket, user);
});

server.listen(0, '127.0.0.1', () => {
  void serveReference(registry, {}, { port: (server.address() as AddressInfo).port });
});

// Reference: the naive node:http SSE server most tutorials show. The ServerResponse stays attached for the
// life of the stream, with its IncomingMessage and Node's HTTP parser: the floor Chipin's SSE stands on today.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSE_HEADERS, SSE_OPENING, userFromAuthorization } from '../fixtures.ts';
import { createRegistry, serveReference } from './registry.ts';

const registry = createRegistry();

const server = createServer((req, res) => {
  const user = userFromAuthorization(req.headers.authorization);
  if (!req.url?.startsWith('/api/notifications/stream') || user === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, SSE_HEADERS);
  res.write(SSE_OPENING);
  const remove = registry.add(user, {
    send: (id, json) => res.write(`id: ${id}\nevent: bill.created\ndata: ${json}\n\n`),
    heartbeat: () => res.write(':\n\n'),
  });
  res.on('close', remove);
});

server.listen(0, '127.0.0.1', () => {
  void serveReference(registry, {}, { port: (server.address() as AddressInfo).port });
});

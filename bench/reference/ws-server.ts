// Reference: a bare `ws` server, the floor any Node WebSocket implementation stands on. Heartbeat is the
// ws README's: ping everyone each period, terminate whoever did not pong since the last one.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { userFromAuthorization } from '../fixtures.ts';
import { createRegistry, serveReference } from './registry.ts';

const registry = createRegistry();
const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, path: '/api/notifications/ws', maxPayload: 4096 });

wss.on('connection', (socket, req) => {
  const user = userFromAuthorization(req.headers.authorization);
  if (user === undefined) {
    socket.close(4001);
    return;
  }
  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  socket.on('message', () => undefined);
  const remove = registry.add(user, {
    send: (_id, json) => socket.send(json),
    heartbeat: () => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    },
  });
  socket.on('close', remove);
});

server.listen(0, '127.0.0.1', () => {
  void serveReference(registry, {}, { port: (server.address() as AddressInfo).port });
});

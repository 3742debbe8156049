// Reference: Socket.IO with the websocket transport only, used the way most teams do: a room per user,
// io.to(room).emit(event, object), and Engine.IO's own ping/pong as the heartbeat.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { notificationObject, userFromAuthorization } from '../fixtures.ts';
import { createRegistry, serveReference } from './registry.ts';

const heartbeatMs = Number(process.env.HEARTBEAT_MS ?? 25_000);
const registry = createRegistry();
const server = createServer((_req, res) => res.writeHead(404).end());
const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  pingInterval: heartbeatMs,
  pingTimeout: Math.min(20_000, heartbeatMs),
  perMessageDeflate: false,
  maxHttpBufferSize: 4096,
});

io.on('connection', (socket) => {
  const user = userFromAuthorization(socket.handshake.headers.authorization);
  if (user === undefined) {
    socket.disconnect(true);
    return;
  }
  void socket.join(`u:${user}`);
  // Sending goes through rooms (sendTo below); the registry only counts and finds users.
  const remove = registry.add(user, { send: () => undefined, heartbeat: () => undefined });
  socket.on('disconnect', remove);
});

server.listen(0, '127.0.0.1', () => {
  void serveReference(
    registry,
    {
      ownHeartbeat: true,
      sendTo: (user, id, data) => {
        io.to(`u:${user}`).emit('notification', notificationObject(id, data));
        return true;
      },
      broadcast: (_id, json) => io.emit('notification', JSON.parse(json)),
    },
    { port: (server.address() as AddressInfo).port },
  );
});

// The live notification streams: SSE (the default) and WebSocket, both fed by the same hub.
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';
import { AppError, invalid } from '../../domain/errors.ts';
import { sseConnection, sseOpening, type SseSink } from '../../notify/sse.ts';
import { detachFromHttp, releaseUpgradeResponse } from '../../notify/detach.ts';
import { wsConnection } from '../../notify/ws.ts';
import type { App, RouteContext } from '../app.ts';
import { NOTIFICATION_ID_PATTERN } from '../../contract/events.ts';

const NOTIFICATION_ID = new RegExp(NOTIFICATION_ID_PATTERN);

/**
 * The resume position: `Last-Event-ID` (sent by browsers on reconnect, WHATWG HTML § 9.2.4) wins over
 * `?lastEventId=`, because EventSource reconnects to its original URL with a fresher header.
 */
export function lastEventId(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  const query = (request.query as Record<string, unknown> | undefined)?.lastEventId;
  const raw = header ?? query;
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !NOTIFICATION_ID.test(raw)) throw invalid(header !== undefined ? 'Last-Event-ID' : 'lastEventId', 'must be a notification id (a decimal number)');
  return Number(raw);
}

// Shared listeners (`this` is the socket), so a stream keeps no closures of its own for them.
function ignore() {}
function endOnEof(this: Socket) {
  this.end();
}
function destroyOnError(this: Socket) {
  this.destroy();
}
function terminateOnError(this: WebSocket) {
  this.terminate();
}

export function streamRoutes(app: App, { hub, auth }: RouteContext) {
  app.get('/notifications/stream', { schema: { hide: true }, preValidation: auth }, async (request, reply) => {
    const resumeFrom = lastEventId(request);
    const user = request.user!;
    // The app's logger, not the request's: a closure over request.log would keep the request's child logger alive per stream.
    const log = app.log;
    reply.hijack();
    // Security headers set by the hooks (helmet) are kept: hijacking skips Fastify's own send.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    headers['cache-control'] = 'no-cache, no-transform';
    headers['x-accel-buffering'] = 'no';
    const socket = request.raw.socket;
    let sink: SseSink;
    if (request.raw.httpVersionMajor === 1 && detachFromHttp(socket)) {
      // HTTP/1.1 on a bare socket: the body runs until the connection closes (RFC 9112 §6.3), so no
      // chunked framing is needed, and nothing of Node's HTTP objects stays alive per stream.
      headers.connection = 'keep-alive';
      const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(`HTTP/1.1 200 OK\r\n${head}\r\n${sseOpening()}`);
      socket.on('data', ignore); // keep reading, only to see the peer's FIN
      socket.on('end', endOnEof);
      socket.on('error', destroyOnError);
      sink = socket;
    } else {
      // HTTP/2 (under TLS) or a Node whose internals changed: the ordinary response path.
      reply.raw.writeHead(200, headers);
      reply.raw.write(sseOpening());
      sink = reply.raw as unknown as SseSink;
    }
    const { unsubscribe, ready } = hub.subscribe(user.id, sseConnection(sink), resumeFrom);
    // `on`, not `once`: 'close' comes once anyway, and once's wrapper would be kept per stream.
    (sink === socket ? socket : reply.raw).on('close', unsubscribe);
    ready.catch((err: unknown) => log.warn({ err }, 'stream replay failed'));
  });

  // A malformed resume id is answered 400 before the upgrade, as on the SSE route.
  const checkResume = async (request: FastifyRequest) => void lastEventId(request);
  app.route({
    method: 'GET',
    url: '/notifications/ws',
    schema: { hide: true },
    preValidation: auth, preHandler: checkResume,
    // A plain GET (no Upgrade) is told what to do (RFC 9110 §15.5.22), not given an empty 404.
    handler: async () => {
      throw new AppError('upgrade_required', 'This endpoint speaks WebSocket: send an Upgrade: websocket request', undefined, { upgrade: 'websocket' });
    },
    wsHandler: (socket: WebSocket, request) => {
      const resumeFrom = lastEventId(request);
      // After the handshake nothing of the HTTP request may stay alive per stream: @fastify/websocket's
      // error listener closes over the Fastify request and reply, and the upgrade's ServerResponse stays
      // attached to the socket (with the request behind it). A shared listener replaces the first; the
      // response lets go of the socket (as Node does when a response finishes).
      socket.removeAllListeners('error');
      socket.on('error', terminateOnError);
      releaseUpgradeResponse(request.raw.socket);
      // Notifications flow one way; anything the client sends is ignored (actions go over HTTP).
      socket.on('message', ignore);
      const { unsubscribe, ready } = hub.subscribe(request.user!.id, wsConnection(socket), resumeFrom);
      socket.on('close', unsubscribe);
      ready.catch((err: unknown) => app.log.warn({ err }, 'stream replay failed'));
    },
  });
}

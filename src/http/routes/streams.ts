// The live notification streams: SSE (the default) and WebSocket, both fed by the same hub.
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { invalid } from '../../domain/errors.ts';
import { sseConnection, sseOpening } from '../../notify/sse.ts';
import { wsConnection } from '../../notify/ws.ts';
import type { App, RouteContext } from '../app.ts';
import { NOTIFICATION_ID } from './notifications.ts';

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

export function streamRoutes(app: App, { hub, auth }: RouteContext) {
  app.get('/notifications/stream', { schema: { hide: true }, preHandler: auth }, async (request, reply) => {
    const resumeFrom = lastEventId(request);
    const user = request.user!;
    reply.hijack();
    const res = reply.raw;
    // Security headers set by the hooks (helmet) are copied: hijacking skips Fastify's own send.
    const headers: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v as string;
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    headers['cache-control'] = 'no-cache, no-transform';
    headers['x-accel-buffering'] = 'no';
    if (request.raw.httpVersionMajor === 1) headers.connection = 'keep-alive';
    res.writeHead(200, headers);
    res.write(sseOpening());
    const { unsubscribe, ready } = hub.subscribe(user.id, sseConnection(res, () => undefined), resumeFrom);
    res.on('close', unsubscribe);
    ready.catch((err: unknown) => request.log.warn({ err }, 'stream replay failed'));
  });

  // A malformed resume id is answered 400 before the upgrade, as on the SSE route.
  const checkResume = async (request: FastifyRequest) => void lastEventId(request);
  app.get('/notifications/ws', { websocket: true, schema: { hide: true }, preHandler: [auth, checkResume] }, (socket: WebSocket, request) => {
    const resumeFrom = lastEventId(request);
    // Notifications flow one way; anything the client sends is ignored (actions go over HTTP).
    socket.on('message', () => undefined);
    const { unsubscribe, ready } = hub.subscribe(request.user!.id, wsConnection(socket), resumeFrom);
    socket.on('close', unsubscribe);
    socket.on('error', unsubscribe);
    ready.catch((err: unknown) => request.log.warn({ err }, 'stream replay failed'));
  });
}

// The live notification streams: SSE (the default) and WebSocket, both fed by the same hub. The routes
// authenticate, check the resume id and the open rate, and hand over: the transports (notify/sse.ts,
// notify/ws.ts) own the head, the socket and its listeners.
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError, invalid } from '../../domain/errors.ts';
import { acceptSse, SSE_HEADERS } from '../../notify/sse.ts';
import { acceptWs } from '../../notify/ws.ts';
import type { Connection } from '../../notify/connection.ts';
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
  if (typeof raw !== 'string' || !NOTIFICATION_ID.test(raw))
    throw invalid(header !== undefined ? 'Last-Event-ID' : 'lastEventId', 'must be a notification id (a decimal number)');
  return Number(raw);
}

export function streamRoutes(app: App, { hub, auth, limits, streamCap }: RouteContext) {
  // The app's logger, not the request's: a closure over request.log would keep the request's child logger alive per stream.
  const log = app.log;
  /** Registers the connection with the hub for the caller's session; what it returns ends the subscription. */
  const subscriber = (request: FastifyRequest, resumeFrom: number | undefined) => {
    const { user, tokenHash, expiresAt } = request.caller!;
    return (conn: Connection) => {
      const { unsubscribe, evict, ready } = hub.subscribe(user.id, conn, resumeFrom, { tokenHash, expiresAt });
      ready.catch((err: unknown) => log.warn({ err }, 'stream replay failed'));
      // With REDIS_URL the cap is counted across instances too (src/notify/stream-cap.ts).
      const forget = streamCap?.opened(user.id, evict);
      if (!forget) return unsubscribe;
      return () => {
        forget();
        unsubscribe();
      };
    };
  };

  // HEAD is answered with the head alone (RFC 9110 §9.3.2): no subscriber, no stream bytes after it.
  app.get(
    '/notifications/stream',
    { schema: { hide: true }, exposeHeadRoute: false, preValidation: auth, preHandler: limits.streamOpens },
    async (request, reply) => {
      const resumeFrom = lastEventId(request);
      reply.hijack();
      acceptSse(request.raw, reply.raw, reply.getHeaders(), subscriber(request, resumeFrom));
    },
  );
  app.head('/notifications/stream', { schema: { hide: true }, preValidation: auth }, async (request, reply) => {
    lastEventId(request);
    return reply.code(200).headers(SSE_HEADERS).send();
  });

  // A malformed resume id is answered 400 before the upgrade, as on the SSE route.
  const checkResume = async (request: FastifyRequest) => void lastEventId(request);
  app.route({
    method: 'GET',
    url: '/notifications/ws',
    schema: { hide: true },
    preValidation: auth,
    preHandler: [...limits.streamOpens, checkResume],
    // A plain GET (no Upgrade) is told what to do (RFC 9110 §15.5.22), not given an empty 404.
    handler: async () => {
      throw new AppError('upgrade_required', 'This endpoint speaks WebSocket: send an Upgrade: websocket request', undefined, {
        upgrade: 'websocket',
      });
    },
    wsHandler: (socket: WebSocket, request) => {
      acceptWs(socket, request.raw.socket, subscriber(request, lastEventId(request)));
    },
  });
}

// Builds the Fastify app (no listen): plugins, guards, routes, one error handler.
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { StreamCap } from '../notify/stream-cap.ts';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import type { Deps } from '../commands/deps.ts';
import type { Hub } from '../notify/hub.ts';
import type { Metrics } from '../notify/metrics.ts';
import { clientErrorHandler, errorHandler } from './error-handler.ts';
import { authGuard, originGuard } from './auth.ts';
import { rateLimits } from './rate-limits.ts';
import { SnapshotStore } from './rate-limit-store.ts';
import { securityHeaders } from './security-headers.ts';
import { authRoutes } from './routes/auth.ts';
import { groupRoutes } from './routes/groups.ts';
import { billRoutes } from './routes/bills.ts';
import { billEditRoutes } from './routes/bill-edits.ts';
import { paymentRoutes } from './routes/payments.ts';
import { inviteRoutes } from './routes/invites.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { streamRoutes } from './routes/streams.ts';
import { systemRoutes } from './routes/system.ts';
import { webRoutes } from './routes/web.ts';
import { pushRoutes } from './routes/push.ts';
import { unsubscribeRoutes } from './routes/unsubscribe.ts';
import type { UnsubscribeTokens, Vapid } from '../notify/deliveries/keys.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export type AppContext = {
  config: Config;
  deps: Deps;
  hub: Hub;
  metrics: Metrics;
  /** True once start-up finished and until shutdown begins. */
  ready: () => boolean;
  /** REDIS_URL's connection: rate limits counted across instances. */
  redis?: Redis;
  /** The deployment's VAPID key pair and unsubscribe-link signer (src/notify/deliveries/keys.ts). */
  channels: { vapid: Vapid; unsubscribe: UnsubscribeTokens };
  /** REDIS_URL: MAX_STREAMS_PER_USER counted across instances. */
  streamCap?: StreamCap;
};

export async function buildApp(ctx: AppContext): Promise<App> {
  const { config } = ctx;
  // A request must arrive whole within requestTimeoutMs (its head within headersTimeoutMs), or Node answers
  // 408 through clientErrorHandler and closes the socket: a body trickled a byte at a time no longer holds
  // a socket forever (Fastify's requestTimeout defaults to 0, "none"). Node stops a request's clock once
  // the request is complete, so a long response, an SSE stream (detached from the parser) or a WebSocket
  // (handed off at the upgrade) is not cut. Node checks open requests every connectionsCheckingInterval
  // (30 s by default, which would let a 30 s timeout run to 60 s); at most 1 s keeps the bound tight, and
  // each check only walks the connections that are mid-request.
  const timeouts = {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.floor(config.headersTimeoutMs / 2)),
  };
  const options = {
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Fastify copies its own requestTimeout onto the server after creating it; the rest goes to createServer.
    requestTimeout: config.requestTimeoutMs,
    http: timeouts,
    ...(config.tlsCert && config.tlsKey
      ? // Under TLS the same timeouts apply to HTTP/1.1 connections (allowHTTP1); see docs/operations.md for HTTP/2.
        { http2: true, https: { allowHTTP1: true, cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey), ...timeouts } }
      : {}),
    // Never coerce or strip: "12" is not an amount, and an unknown field is an error the caller should see.
    // `verbose` puts the failing schema on each error, so a field's own `errorMessage` (an annotation the
    // contract sets where Ajv's message would only quote a pattern) becomes the 400's message.
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        discriminator: true,
        allErrors: true,
        verbose: true,
        keywords: ['errorMessage'],
      },
    },
    forceCloseConnections: true,
    return503OnClosing: true,
    // Router-level refusals (a malformed %-escape, a path segment over maxParamLength) go through the same
    // problem+json handler instead of Fastify's own plain JSON body.
    frameworkErrors: errorHandler,
    // And so do requests Node's HTTP parser refuses before Fastify sees them.
    clientErrorHandler,
  };
  // HTTP/2 (with HTTP/1.1 fallback) under TLS lifts the browser's six-connections-per-origin limit.
  const app = (Fastify as unknown as (o: typeof options) => App)(options);

  app.setErrorHandler(errorHandler);
  // An empty body with a JSON content type (fetch clients often send one) means "no body", not a 400;
  // everything else goes through Fastify's parser, which refuses __proto__ and constructor keys.
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    json(request, body as string, done);
  });

  await app.register(cookie);
  // One onRequest hook, callback style, for what every request needs first: the security headers, then
  // the Origin check (a hook per concern and a promise per hook showed up in the POST /bills profile).
  const security = securityHeaders(config);
  const foreignOrigin = originGuard(config);
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(security);
    // API answers are one user's data (or a session token): no browser or shared cache may keep them
    // (RFC 9111 §5.2.2.5). Set before anything can fail, so errors carry it too; the SSE stream replaces
    // it with its own no-cache, no-transform.
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    done(foreignOrigin(request));
  });
  // With REDIS_URL every instance counts in the same keys; skipOnError: an unreachable Redis lifts the
  // limits rather than failing the requests (the plugin counts nothing for them). Without it, our store, not
  // the default LocalStore: see rate-limit-store.ts (concurrent checks all read the last count; RedisStore
  // answers each call with a fresh object already).
  await app.register(
    rateLimit,
    ctx.redis
      ? { global: false, redis: ctx.redis, nameSpace: `${config.redisKeyPrefix}rl:`, skipOnError: true }
      : { global: false, store: SnapshotStore },
  );
  await app.register(websocket, { options: { maxPayload: 4096 } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Chipin API', version: '1.0.0', description: 'Collaborative bill sharing with live notifications.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'chipin_session' },
        },
      },
    },
  });

  app.decorateRequest('user', null);
  app.decorateRequest('caller', null);

  const auth = authGuard(ctx.deps, config);
  const limits = rateLimits(app, config);
  const route = { ...ctx, auth, limits };
  await app.register(
    async (api) => {
      authRoutes(api as App, route);
      groupRoutes(api as App, route);
      billRoutes(api as App, route);
      billEditRoutes(api as App, route);
      paymentRoutes(api as App, route);
      inviteRoutes(api as App, route);
      notificationRoutes(api as App, route);
      pushRoutes(api as App, route);
      streamRoutes(api as App, route);
    },
    { prefix: '/api' },
  );
  systemRoutes(app, route);
  await unsubscribeRoutes(app, route);
  await webRoutes(app, route);
  return app;
}

export type RouteContext = AppContext & { auth: ReturnType<typeof authGuard>; limits: ReturnType<typeof rateLimits> };

import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.ts';
import type { App, RouteContext } from '../app.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * A scraper on this machine: the peer of the connection is loopback and no proxy forwarded the request.
 * Not `request.ip`: under TRUST_PROXY it is read from X-Forwarded-For, which the client writes
 * (RFC 7239 §8.3), so `X-Forwarded-For: 127.0.0.1` would pass; and through a local proxy the peer alone is
 * loopback for everyone.
 */
function fromLoopback(request: FastifyRequest): boolean {
  return (
    LOOPBACK.test(request.socket.remoteAddress ?? '') &&
    request.headers['x-forwarded-for'] === undefined &&
    request.headers.forwarded === undefined
  );
}

export function systemRoutes(app: App, { deps, metrics, config, ready }: RouteContext) {
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    if (!ready()) return reply.code(503).send({ ok: false });
    await deps.store.ping();
    return { ok: true };
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Metrics reveal traffic shapes; loopback only unless the operator opts in (METRICS_PUBLIC=on).
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!config.metricsPublic && !fromLoopback(request)) throw new AppError('forbidden', 'Metrics are served to loopback clients only');
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

import { AppError } from '../../domain/errors.ts';
import type { App, RouteContext } from '../app.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function systemRoutes(app: App, { deps, metrics, config, ready }: RouteContext) {
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    if (!ready()) return reply.code(503).send({ ok: false });
    await deps.store.ping();
    return { ok: true };
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Metrics reveal traffic shapes; loopback only unless the operator opts in (METRICS_PUBLIC=on).
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!config.metricsPublic && !LOOPBACK.test(request.ip)) throw new AppError('forbidden', 'Metrics are served to loopback clients only');
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

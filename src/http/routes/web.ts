// The built web app (Vite output in config.webRoot): hashed assets cached for a year, index.html never,
// and any other GET that accepts HTML answered with index.html so deep links survive a reload.
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../domain/errors.ts';
import { sendProblem } from '../error-handler.ts';
import type { App, RouteContext } from '../app.ts';

export async function webRoutes(app: App, { config }: RouteContext) {
  const root = resolve(config.webRoot);
  const hasApp = existsSync(resolve(root, 'index.html'));
  if (hasApp) {
    await app.register(fastifyStatic, {
      root,
      wildcard: false,
      index: false,
      setHeaders(reply, path) {
        reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const wantsHtml = (request.method === 'GET' || request.method === 'HEAD') && (request.headers.accept ?? '').includes('text/html');
    if (hasApp && wantsHtml && !path.startsWith('/api/') && path !== '/api') {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return sendProblem(reply, new AppError('not_found', `No route for ${request.method} ${path}`));
  });
}

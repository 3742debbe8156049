// Routes that act on their path alone (pay, delete, logout) take no body. Nothing, JSON null or an empty
// object count as none, since some clients always send one; anything else is refused rather than ignored,
// so a client that meant to say something learns that it was not heard.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';

export async function noBody(request: FastifyRequest) {
  const body: unknown = request.body;
  if (body === undefined || body === null) return;
  // An empty text/plain body (what fetch sends for `body: ''`) is none; a JSON "" is a string.
  if (body === '' && !/json/i.test(request.headers['content-type'] ?? '')) return;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
  throw new AppError('validation', 'This request takes no body', [{ path: '', message: 'must be empty' }]);
}

import type { FastifyRequest } from 'fastify';
import { IDEMPOTENCY_KEY_PATTERN, requestHash, type Keyed } from '../commands/idempotency.ts';
import { invalid } from '../domain/errors.ts';

/** The request's Idempotency-Key, if it sent one, with what identifies the request (method, path, body). */
export function keyed(request: FastifyRequest, body: unknown): Keyed | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key))
    throw invalid('Idempotency-Key', 'must be 1–255 visible ASCII characters');
  return { userId: request.user!.id, key, requestHash: () => requestHash('POST', request.url.split('?')[0], body) };
}

// The Redis connection behind limits shared across instances (REDIS_URL). ioredis is the client
// @fastify/rate-limit's Redis store is written for. Settings after the plugin's own example: a request
// that cannot reach Redis fails fast (one retry, a short connect timeout) and the limit is skipped for it
// (skipOnError in ./app.ts), so a Redis outage costs the limits, not the service.
import { Redis } from 'ioredis';

export function openRedis(url: string): Redis {
  const redis = new Redis(url, { connectTimeout: 500, maxRetriesPerRequest: 1, lazyConnect: false });
  // Connection errors surface on each command (skipped by the limiter); an unhandled 'error' would end the process.
  redis.on('error', () => undefined);
  return redis;
}

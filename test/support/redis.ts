// The machine's Redis for the tests that count limits across instances (127.0.0.1:6379, or TEST_REDIS_URL).
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** undefined when Redis answers; otherwise a message saying why not. */
export async function redisUnavailable(): Promise<string | undefined> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch (e) {
    return `Redis at ${REDIS_URL} is unreachable (${(e as Error).message}); set TEST_REDIS_URL`;
  } finally {
    r.disconnect();
  }
}

// Rate limits counted across instances (REDIS_URL): two servers sharing one Redis (127.0.0.1:6379, a key
// prefix of this test's own) share one budget; without Redis each instance counts alone, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startTestServer } from '../support/server.ts';
import { REDIS_URL, redisUnavailable } from '../support/redis.ts';
import { call } from '../support/api.ts';

const LIMIT = 3;

const down = await redisUnavailable();
let n = 0;
const signUp = (base: string) =>
  call(base, 'POST', '/api/auth/register', {
    body: { name: 'New', email: `redis.${process.pid}.${++n}@example.test`, password: 'correct horse battery' },
  });
const badLogin = (base: string) =>
  call(base, 'POST', '/api/auth/login', { body: { email: `nobody.${process.pid}@example.test`, password: 'wrong password here' } });

async function pair(t: import('node:test').TestContext, env: Record<string, string>) {
  const a = await startTestServer(env);
  t.after(() => a.close());
  const b = await startTestServer(env);
  t.after(() => b.close());
  return [a.url, b.url];
}

test('with REDIS_URL, sign-up and sign-in limits hold across two instances', {
  skip: down && process.env.CI !== 'true' ? `skipped: ${down}` : false,
}, async (t) => {
  if (down) assert.fail(`${down} (required under CI=true)`);
  const prefix = `chipin-test-${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(REDIS_URL);
  t.after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  const env = {
    RATE_LIMIT: 'on',
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    REGISTER_LIMIT_PER_ADDRESS: String(LIMIT),
    LOGIN_LIMIT_PER_ADDRESS: String(LIMIT),
  };
  const [A, B] = await pair(t, env);

  const statuses: number[] = [];
  for (let i = 0; i < LIMIT + 1; i++) statuses.push((await signUp(i % 2 ? B : A)).status);
  assert.deepEqual(statuses, [201, 201, 201, 429], 'one budget of sign-ups per address for both instances');

  const logins: number[] = [];
  for (let i = 0; i < LIMIT + 1; i++) logins.push((await badLogin(i % 2 ? A : B)).status);
  assert.deepEqual(logins, [401, 401, 401, 429], 'one budget of sign-ins per address for both instances');
  assert.ok((await redis.keys(`${prefix}rl:*`)).length > 0, 'the counts are in Redis, under the prefix');
});

test('without REDIS_URL each instance counts alone (as before)', async (t) => {
  const [A, B] = await pair(t, { RATE_LIMIT: 'on', REGISTER_LIMIT_PER_ADDRESS: String(LIMIT) });
  const statuses: number[] = [];
  for (let i = 0; i < LIMIT + 1; i++) statuses.push((await signUp(i % 2 ? B : A)).status);
  assert.deepEqual(statuses, [201, 201, 201, 201]);
});

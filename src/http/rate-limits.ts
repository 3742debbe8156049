// Abuse limits, each with its own setting (config.limits); RATE_LIMIT=off turns them all off.
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { Config } from '../config.ts';
import type { App } from './app.ts';

export type Limits = {
  loginPerAccount: preHandlerAsyncHookHandler[];
  loginPerAddress: preHandlerAsyncHookHandler[];
  register: preHandlerAsyncHookHandler[];
  bills: preHandlerAsyncHookHandler[];
};

export function rateLimits(app: App, config: Config): Limits {
  if (!config.rateLimit) return { loginPerAccount: [], loginPerAddress: [], register: [], bills: [] };
  const make = (groupId: string, max: number, timeWindow: number, keyGenerator: (r: FastifyRequest) => string) => [
    app.rateLimit({
      groupId,
      max,
      timeWindow,
      hook: 'preHandler',
      keyGenerator,
      errorResponseBuilder: (_req, ctx) => new AppError('rate_limited', `Too many requests; retry in ${ctx.after}`, undefined, { 'retry-after': String(Math.ceil(ctx.ttl / 1000)) }),
    }) as unknown as preHandlerAsyncHookHandler,
  ];
  const email = (r: FastifyRequest) => String((r.body as { email?: unknown } | undefined)?.email ?? '').trim().toLowerCase();
  return {
    loginPerAccount: make('login-account', config.limits.loginPerAccountPerMinute, 60_000, (r) => `acct:${email(r)}`),
    loginPerAddress: make('login-address', config.limits.loginPerAddressPerMinute, 60_000, (r) => `ip:${r.ip}`),
    register: make('register', config.limits.registerPerAddressPerHour, 3600_000, (r) => `ip:${r.ip}`),
    bills: make('bills', config.limits.billsPerUserPerMinute, 60_000, (r) => `user:${r.user?.id ?? r.ip}`),
  };
}

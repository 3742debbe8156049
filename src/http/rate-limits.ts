// Abuse limits, each with its own setting (config.limits); RATE_LIMIT=off turns them all off.
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../domain/errors.ts';
import { canonicalEmail } from '../domain/email.ts';
import type { Config } from '../config.ts';
import type { App } from './app.ts';

export type Limits = {
  loginPerAccount: preHandlerAsyncHookHandler[];
  loginPerAddress: preHandlerAsyncHookHandler[];
  register: preHandlerAsyncHookHandler[];
  bills: preHandlerAsyncHookHandler[];
  memberAdds: preHandlerAsyncHookHandler[];
  /** Opening a live stream (SSE or WebSocket): each open may replay the whole inbox. */
  streamOpens: preHandlerAsyncHookHandler[];
  /** Changing the password: each attempt checks the current one (a stolen session must not guess it). */
  password: preHandlerAsyncHookHandler[];
};

export function rateLimits(app: App, config: Config): Limits {
  if (!config.rateLimit)
    return { loginPerAccount: [], loginPerAddress: [], register: [], bills: [], memberAdds: [], streamOpens: [], password: [] };
  // createRateLimit, not app.rateLimit: the handlers app.rateLimit builds share one "already ran" flag per
  // request, so a second limit on the same route (login: per address, then per account) was never checked.
  const make = (
    groupId: string,
    max: number,
    timeWindow: number,
    keyGenerator: (r: FastifyRequest) => string,
  ): preHandlerAsyncHookHandler[] => {
    const check = app.createRateLimit({ max, timeWindow, keyGenerator: (r) => `${groupId}:${keyGenerator(r)}` });
    return [
      async (request, reply) => {
        const r = await check(request);
        if (r.isAllowed) return;
        reply.header('x-ratelimit-limit', r.max).header('x-ratelimit-remaining', r.remaining).header('x-ratelimit-reset', r.ttlInSeconds);
        if (r.isExceeded) {
          throw new AppError('rate_limited', `Too many requests; retry in ${r.ttlInSeconds} s`, undefined, {
            'retry-after': String(r.ttlInSeconds),
          });
        }
      },
    ];
  };
  // Per account: every spelling of one address (domain/email.ts) shares one budget.
  const email = (r: FastifyRequest) => {
    const raw = String((r.body as { email?: unknown } | undefined)?.email ?? '');
    const verdict = canonicalEmail(raw);
    return (verdict.ok ? verdict.email : raw.trim()).toLowerCase();
  };
  return {
    loginPerAccount: make('login-account', config.limits.loginPerAccountPerMinute, 60_000, (r) => `acct:${email(r)}`),
    loginPerAddress: make('login-address', config.limits.loginPerAddressPerMinute, 60_000, (r) => `ip:${r.ip}`),
    register: make('register', config.limits.registerPerAddressPerHour, 3600_000, (r) => `ip:${r.ip}`),
    bills: make('bills', config.limits.billsPerUserPerMinute, 60_000, (r) => `user:${r.user?.id ?? r.ip}`),
    // Every attempt counts, found or not: each one tells a known email from an unknown one (`pending`).
    memberAdds: make('member-adds', config.limits.memberAddsPerUserPerHour, 3600_000, (r) => `user:${r.user?.id ?? r.ip}`),
    streamOpens: make('stream-opens', config.limits.streamOpensPerUserPerMinute, 60_000, (r) => `user:${r.user?.id ?? r.ip}`),
    // As many tries a minute as signing in to the account allows.
    password: make('password', config.limits.loginPerAccountPerMinute, 60_000, (r) => `user:${r.user?.id ?? r.ip}`),
  };
}

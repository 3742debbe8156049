// Who is calling: the session cookie or `Authorization: Bearer <token>` (RFC 6750 §2.1).
// Cross-site requests cannot act for a user: state-changing requests must come from our own origin
// (the Fetch standard's Origin header), and a cookie-authenticated one must say so. A cookie-authenticated
// read that names a foreign Origin is refused too: a page elsewhere must not open a user's stream (which
// would also evict the user's own, oldest stream) or read on the user's behalf.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import { authenticate } from '../commands/auth.ts';
import type { Deps } from '../commands/deps.ts';
import type { Config } from '../config.ts';
import type { UserRow } from '../store/store.ts';
import type { Caller } from '../commands/auth.ts';

export const SESSION_COOKIE = 'chipin_session';

declare module 'fastify' {
  interface FastifyRequest {
    user: UserRow | null;
    /** The caller with its session (token hash and expiry), set with `user`. */
    caller: Caller | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function ownOrigin(config: Config, request: FastifyRequest): string {
  return config.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function isSecure(config: Config, request: FastifyRequest): boolean {
  return (config.publicUrl ?? request.protocol).startsWith('https');
}

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(h);
  if (!m) throw new AppError('unauthenticated', 'The Authorization header must be "Bearer <token>"');
  return m[1];
}

/** For the global onRequest hook: a state-changing request carrying a foreign Origin is refused before any work. */
export function originGuard(config: Config) {
  return (request: FastifyRequest): AppError | undefined => {
    if (SAFE_METHODS.has(request.method)) return undefined;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== ownOrigin(config, request)) {
      return new AppError('cross_origin', `Requests from ${origin} may not change anything here`);
    }
    return undefined;
  };
}

/** Resolves the caller; `required` routes answer 401 without one. */
export function authGuard(deps: Deps, config: Config) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const fromHeader = bearer(request);
    const token = fromHeader ?? request.cookies[SESSION_COOKIE];
    const caller = token ? await authenticate(deps, token) : undefined;
    if (!caller) throw new AppError('unauthenticated', 'Sign in first: send the session cookie or a Bearer token');
    // A cookie is sent by the browser on its own, so a cookie-authenticated change must prove it is ours;
    // a read need not carry an Origin (same-origin GETs do not), but one that does must name ours.
    if (fromHeader === undefined) {
      const origin = request.headers.origin;
      const mustCarry = !SAFE_METHODS.has(request.method) || request.headers.upgrade !== undefined;
      if ((mustCarry || origin !== undefined) && origin !== ownOrigin(config, request)) {
        throw new AppError('cross_origin', "A cookie-authenticated request must carry this service's Origin");
      }
    }
    request.user = caller.user;
    request.caller = caller;
  };
}

export function setSessionCookie(reply: FastifyReply, config: Config, request: FastifyRequest, token: string) {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecure(config, request),
    path: '/',
    maxAge: Math.floor(config.sessionTtlMs / 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config, request: FastifyRequest) {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: isSecure(config, request), path: '/' });
}

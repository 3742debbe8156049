import { AuthResponse, LoginBody, PasswordBody, Problem, RegisterBody, SessionResponse, UserResponse } from '../../contract/schemas.ts';
import { isAppError } from '../../domain/errors.ts';
import { changePassword, login, logout, logoutAll, register } from '../../commands/auth.ts';
import { presentUser } from '../../present/entities.ts';
import { perform } from '../../commands/unit-of-work.ts';
import { clearSessionCookie, setSessionCookie } from '../auth.ts';
import type { App, RouteContext } from '../app.ts';
import { noBody } from '../no-body.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 409: Problem, 429: Problem };

export function authRoutes(app: App, { config, deps, hub, auth, limits }: RouteContext) {
  app.post(
    '/auth/register',
    { schema: { tags: ['auth'], body: RegisterBody, response: { 201: AuthResponse, ...errors } }, preHandler: limits.register },
    async (request, reply) => {
      const result = await perform(deps, register, request.body);
      setSessionCookie(reply, config, request, result.token);
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/auth/login',
    {
      schema: { tags: ['auth'], body: LoginBody, response: { 200: AuthResponse, ...errors } },
      preHandler: [...limits.loginPerAddress, ...limits.loginPerAccount],
    },
    async (request, reply) => {
      const result = await login(deps, request.body);
      setSessionCookie(reply, config, request, result.token);
      return result;
    },
  );

  // A live stream belongs to the session it was opened with: ending sessions closes their streams here
  // (`logged_out`); other instances notice at their next heartbeat round (notify/hub.ts).
  app.post(
    '/auth/logout',
    { schema: { tags: ['auth'], response: { 204: { type: 'null' }, ...errors } }, preValidation: auth, preHandler: noBody },
    async (request, reply) => {
      const caller = request.caller!;
      await logout(deps, caller);
      hub.endSession(caller.user.id, caller.tokenHash);
      clearSessionCookie(reply, config, request);
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/logout-all',
    { schema: { tags: ['auth'], response: { 204: { type: 'null' }, ...errors } }, preValidation: auth, preHandler: noBody },
    async (request, reply) => {
      const caller = request.caller!;
      await logoutAll(deps, caller);
      hub.endSessionsOf(caller.user.id, undefined);
      clearSessionCookie(reply, config, request);
      return reply.code(204).send();
    },
  );

  // 204: the caller's session (and cookie) stay as they are; every other session of the account ends.
  app.post(
    '/auth/password',
    {
      schema: { tags: ['auth'], body: PasswordBody, response: { 204: { type: 'null' }, ...errors } },
      preValidation: auth,
      preHandler: limits.password,
    },
    async (request, reply) => {
      const caller = request.caller!;
      await perform(deps, changePassword, { caller, input: request.body });
      hub.endSessionsOf(caller.user.id, caller.tokenHash);
      return reply.code(204).send();
    },
  );

  // The web app's first question on every load. Signed out is an answer here, not an error: browsers log
  // every 4xx response in the console, and a signed-out visit is not a fault.
  app.get('/session', { schema: { tags: ['auth'], response: { 200: SessionResponse, 403: Problem } } }, async (request, reply) => {
    try {
      await auth(request, reply);
    } catch (e) {
      if (isAppError(e) && e.code === 'unauthenticated') return { user: null };
      throw e;
    }
    return { user: presentUser(request.user!) };
  });

  app.get('/me', { schema: { tags: ['auth'], response: { 200: UserResponse, 401: Problem } }, preValidation: auth }, async (request) => ({
    user: presentUser(request.user!),
  }));
}

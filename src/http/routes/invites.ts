// Invite links (issue 16). Reading a link needs no session: whoever holds it may see what it invites to.
import type { FastifyRequest } from 'fastify';
import { Problem } from '../../contract/schemas.ts';
import {
  AcceptInviteBody,
  AcceptResponse,
  CreateInviteBody,
  InviteIdParams,
  InvitePreview,
  InviteResponse,
  InvitesResponse,
  InviteTokenParams,
} from '../../contract/invites.ts';
import { GroupParams } from '../../contract/schemas.ts';
import { acceptInvite, createInvite, listInvites, previewInvite, revokeInvite } from '../../commands/invites.ts';
import { perform } from '../../commands/unit-of-work.ts';
import type { Config } from '../../config.ts';
import type { App, RouteContext } from '../app.ts';
import { noBody } from '../no-body.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem };

/** Where links point: PUBLIC_URL, or the origin this request came to (its Host, and the proxy's scheme when trusted). */
const baseUrl = (config: Config, request: FastifyRequest) => config.publicUrl ?? `${request.protocol}://${request.host}`;

/** Both bodies are optional: no body at all (Fastify would validate `undefined`) is an empty object. A JSON `null` is still refused. */
const emptyBodyIsObject = async (request: FastifyRequest) => {
  const r = request as { body: unknown };
  if (r.body === undefined) r.body = {};
};

export function inviteRoutes(app: App, { config, deps, auth }: RouteContext) {
  app.post(
    '/groups/:groupId/invites',
    {
      schema: { tags: ['invites'], params: GroupParams, body: CreateInviteBody, response: { 201: InviteResponse, ...errors } },
      preValidation: [auth, emptyBodyIsObject],
    },
    async (request, reply) => {
      const input = {
        actor: request.user!,
        groupId: request.params.groupId,
        expiresInDays: request.body.expiresInDays,
        baseUrl: baseUrl(config, request),
      };
      return reply.code(201).send({ invite: await perform(deps, createInvite, input) });
    },
  );

  app.get(
    '/groups/:groupId/invites',
    { schema: { tags: ['invites'], params: GroupParams, response: { 200: InvitesResponse, ...errors } }, preValidation: auth },
    async (request) => ({
      invites: await listInvites(deps, request.user!, request.params.groupId),
    }),
  );

  app.delete(
    '/invites/:inviteId',
    {
      schema: { tags: ['invites'], params: InviteIdParams, response: { 204: { type: 'null' }, ...errors } },
      preValidation: auth,
      preHandler: noBody,
    },
    async (request, reply) => {
      await perform(deps, revokeInvite, { actor: request.user!, inviteId: request.params.inviteId });
      return reply.code(204).send();
    },
  );

  // No session: the link is the credential. Unknown, revoked and expired tokens get the same 404.
  app.get(
    '/invites/:token',
    { schema: { tags: ['invites'], params: InviteTokenParams, response: { 200: InvitePreview, ...errors } } },
    async (request) => previewInvite(deps, request.params.token),
  );

  app.post(
    '/invites/:token/accept',
    {
      schema: { tags: ['invites'], params: InviteTokenParams, body: AcceptInviteBody, response: { 200: AcceptResponse, ...errors } },
      preValidation: [auth, emptyBodyIsObject],
    },
    async (request) => ({
      group: await perform(deps, acceptInvite, { actor: request.user!, token: request.params.token, memberId: request.body.memberId }),
    }),
  );
}

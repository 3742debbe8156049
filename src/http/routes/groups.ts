import { Type } from '@sinclair/typebox';
import { AddMemberBody, BalancesResponse, CreateGroupBody, GroupParams, GroupResponse, GroupsResponse, Problem } from '../../contract/schemas.ts';
import { addMember, createGroup, getGroup, listGroups } from '../../commands/groups.ts';
import { groupBalances } from '../../commands/balances.ts';
import { perform } from '../../commands/unit-of-work.ts';
import type { App, RouteContext } from '../app.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem };

export function groupRoutes(app: App, { deps, auth, limits }: RouteContext) {
  app.post('/groups', { schema: { tags: ['groups'], body: CreateGroupBody, response: { 201: GroupResponse, ...errors } }, preValidation: auth }, async (request, reply) => {
    return reply.code(201).send({ group: await perform(deps, createGroup, { actor: request.user!, input: request.body }) });
  });

  app.get('/groups', { schema: { tags: ['groups'], response: { 200: GroupsResponse, ...errors } }, preValidation: auth }, async (request) => ({
    groups: await listGroups(deps, request.user!),
  }));

  app.get('/groups/:groupId', { schema: { tags: ['groups'], params: GroupParams, response: { 200: GroupResponse, ...errors } }, preValidation: auth }, async (request) => ({
    group: await getGroup(deps, request.user!, request.params.groupId),
  }));

  app.post(
    '/groups/:groupId/members',
    // Limited per user: until pending members exist (issue 16), a 404 for an unknown email
    // tells who has an account here, so the number of probes is what is bounded.
    { schema: { tags: ['groups'], params: GroupParams, body: AddMemberBody, response: { 201: GroupResponse, ...errors } }, preValidation: auth, preHandler: limits.memberAdds },
    async (request, reply) => {
      const input = { actor: request.user!, groupId: request.params.groupId, input: request.body };
      return reply.code(201).send({ group: await perform(deps, addMember, input) });
    },
  );

  app.get(
    '/groups/:groupId/balances',
    { schema: { tags: ['groups'], params: GroupParams, querystring: Type.Object({}, { additionalProperties: false }), response: { 200: BalancesResponse, ...errors } }, preValidation: auth },
    async (request) => groupBalances(deps, request.user!, request.params.groupId),
  );
}

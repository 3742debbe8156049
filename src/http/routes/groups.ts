import { Type } from '@sinclair/typebox';
import {
  AddMemberBody,
  BalancesResponse,
  CreateGroupBody,
  GroupParams,
  GroupResponse,
  GroupsResponse,
  MemberParams,
  Problem,
} from '../../contract/schemas.ts';
import { ActivityQuery, ActivityResponse } from '../../contract/activity.ts';
import { listActivity } from '../../commands/activity.ts';
import { removeMember } from '../../commands/members.ts';
import { pageLimit } from '../paging.ts';
import { noBody } from '../no-body.ts';
import { addMember, createGroup, getGroup, listGroups } from '../../commands/groups.ts';
import { groupBalances } from '../../commands/balances.ts';
import { perform } from '../../commands/unit-of-work.ts';
import type { App, RouteContext } from '../app.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem };

export function groupRoutes(app: App, { deps, auth, limits }: RouteContext) {
  app.post(
    '/groups',
    { schema: { tags: ['groups'], body: CreateGroupBody, response: { 201: GroupResponse, ...errors } }, preValidation: auth },
    async (request, reply) => {
      return reply.code(201).send({ group: await perform(deps, createGroup, { actor: request.user!, input: request.body }) });
    },
  );

  app.get(
    '/groups',
    { schema: { tags: ['groups'], response: { 200: GroupsResponse, ...errors } }, preValidation: auth },
    async (request) => ({
      groups: await listGroups(deps, request.user!),
    }),
  );

  app.get(
    '/groups/:groupId',
    { schema: { tags: ['groups'], params: GroupParams, response: { 200: GroupResponse, ...errors } }, preValidation: auth },
    async (request) => ({
      group: await getGroup(deps, request.user!, request.params.groupId),
    }),
  );

  app.post(
    '/groups/:groupId/members',
    // Limited per user. An unknown address is no longer a 404 (it adds a pending member, issue 16), but the
    // answer still tells an account from none (the member's `pending`), and each unknown address stores a
    // pending row: the number of probes, and of rows, is what is bounded.
    {
      schema: { tags: ['groups'], params: GroupParams, body: AddMemberBody, response: { 201: GroupResponse, ...errors } },
      preValidation: auth,
      preHandler: limits.memberAdds,
    },
    async (request, reply) => {
      const input = { actor: request.user!, groupId: request.params.groupId, input: request.body };
      return reply.code(201).send({ group: await perform(deps, addMember, input) });
    },
  );

  // Leave (yourself) or remove a pending member; 409 balance_not_settled while they owe or are owed.
  app.delete(
    '/groups/:groupId/members/:userId',
    {
      schema: { tags: ['groups'], params: MemberParams, response: { 204: { type: 'null' }, ...errors } },
      preValidation: auth,
      preHandler: noBody,
    },
    async (request, reply) => {
      await perform(deps, removeMember, { actor: request.user!, groupId: request.params.groupId, userId: request.params.userId });
      return reply.code(204).send();
    },
  );

  app.get(
    '/groups/:groupId/activity',
    {
      schema: { tags: ['groups'], params: GroupParams, querystring: ActivityQuery, response: { 200: ActivityResponse, ...errors } },
      preValidation: auth,
    },
    async (request) => {
      const before = request.query.before === undefined ? undefined : Number(request.query.before);
      return listActivity(deps, request.user!, request.params.groupId, pageLimit(request.query.limit), before);
    },
  );

  app.get(
    '/groups/:groupId/balances',
    {
      schema: {
        tags: ['groups'],
        params: GroupParams,
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: BalancesResponse, ...errors },
      },
      preValidation: auth,
    },
    async (request) => groupBalances(deps, request.user!, request.params.groupId),
  );
}

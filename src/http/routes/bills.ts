import {
  type Bill,
  BillParams,
  BillResponse,
  BillsResponse,
  CreateBillBody,
  GroupParams,
  PageQuery,
  Problem,
} from '../../contract/schemas.ts';
import { createBill, deleteBill, getBill, listBills, payBill, unpayBill } from '../../commands/bills.ts';
import { perform, performOnce } from '../../commands/unit-of-work.ts';
import type { App, RouteContext } from '../app.ts';
import { pageLimit } from '../paging.ts';
import { noBody } from '../no-body.ts';
import { keyed } from '../idempotency-key.ts';
import { etagOf } from '../../commands/edit-bill.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };

export function billRoutes(app: App, { deps, auth, limits }: RouteContext) {
  app.post(
    '/groups/:groupId/bills',
    {
      schema: { tags: ['bills'], params: GroupParams, body: CreateBillBody, response: { 201: BillResponse, ...errors } },
      preValidation: auth,
      preHandler: limits.bills,
    },
    async (request, reply) => {
      const input = { actor: request.user!, groupId: request.params.groupId, input: request.body };
      const answer = { keyed: keyed(request, request.body), status: 201, respond: (bill: Bill) => ({ bill }) };
      const result = await performOnce(deps, createBill, input, answer);
      return reply.code(result.status).send(result.body);
    },
  );

  app.get(
    '/groups/:groupId/bills',
    {
      schema: { tags: ['bills'], params: GroupParams, querystring: PageQuery, response: { 200: BillsResponse, ...errors } },
      preValidation: auth,
    },
    async (request) => listBills(deps, request.user!, request.params.groupId, pageLimit(request.query.limit), request.query.cursor),
  );

  app.get(
    '/bills/:billId',
    { schema: { tags: ['bills'], params: BillParams, response: { 200: BillResponse, ...errors } }, preValidation: auth },
    async (request, reply) => {
      const bill = await getBill(deps, request.user!, request.params.billId);
      // The version is the entity-tag an edit names in If-Match (src/commands/edit-bill.ts).
      return reply.header('etag', etagOf(bill.version)).send({ bill });
    },
  );

  app.post(
    '/bills/:billId/pay',
    {
      schema: { tags: ['bills'], params: BillParams, response: { 200: BillResponse, ...errors } },
      preValidation: auth,
      preHandler: noBody,
    },
    async (request, reply) => {
      const input = { actor: request.user!, billId: request.params.billId };
      const answer = { keyed: keyed(request, null), status: 200, respond: (bill: Bill) => ({ bill }) };
      const result = await performOnce(deps, payBill, input, answer);
      return reply.code(result.status).send(result.body);
    },
  );

  app.post(
    '/bills/:billId/unpay',
    {
      schema: { tags: ['bills'], params: BillParams, response: { 200: BillResponse, ...errors } },
      preValidation: auth,
      preHandler: noBody,
    },
    async (request, reply) => {
      const input = { actor: request.user!, billId: request.params.billId };
      const answer = { keyed: keyed(request, null), status: 200, respond: (bill: Bill) => ({ bill }) };
      const result = await performOnce(deps, unpayBill, input, answer);
      return reply.code(result.status).send(result.body);
    },
  );

  app.delete(
    '/bills/:billId',
    {
      schema: { tags: ['bills'], params: BillParams, response: { 204: { type: 'null' }, ...errors } },
      preValidation: auth,
      preHandler: noBody,
    },
    async (request, reply) => {
      await perform(deps, deleteBill, { actor: request.user!, billId: request.params.billId });
      return reply.code(204).send();
    },
  );
}

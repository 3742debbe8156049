import { type Bill, BillParams, BillResponse, BillsResponse, CreateBillBody, GroupParams, PageQuery, Problem } from '../../contract/schemas.ts';
import { createBill, deleteBill, getBill, listBills, payBill } from '../../commands/bills.ts';
import { idempotent, IDEMPOTENCY_KEY_PATTERN, requestHash } from '../../commands/idempotency.ts';
import { invalid } from '../../domain/errors.ts';
import type { FastifyRequest } from 'fastify';
import type { App, RouteContext } from '../app.ts';
import { pageLimit } from '../paging.ts';
import { noBody } from '../no-body.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };

function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) throw invalid('Idempotency-Key', 'must be 1–255 visible ASCII characters');
  return key;
}

export function billRoutes(app: App, { deps, auth, limits }: RouteContext) {
  app.post(
    '/groups/:groupId/bills',
    { schema: { tags: ['bills'], params: GroupParams, body: CreateBillBody, response: { 201: BillResponse, ...errors } }, preValidation: auth, preHandler: limits.bills },
    async (request, reply) => {
      const user = request.user!;
      const key = idempotencyKey(request);
      const result = await idempotent(deps, user.id, key, () => requestHash('POST', request.url.split('?')[0], request.body), 201, async (record) => ({
        bill: await createBill(deps, user, request.params.groupId, request.body, record && ((tx, bill) => record(tx, { bill }))),
      }));
      return reply.code(result.status).send(result.body as { bill: Bill });
    },
  );

  app.get(
    '/groups/:groupId/bills',
    { schema: { tags: ['bills'], params: GroupParams, querystring: PageQuery, response: { 200: BillsResponse, ...errors } }, preValidation: auth },
    async (request) => listBills(deps, request.user!, request.params.groupId, pageLimit(request.query.limit), request.query.cursor),
  );

  app.get('/bills/:billId', { schema: { tags: ['bills'], params: BillParams, response: { 200: BillResponse, ...errors } }, preValidation: auth }, async (request) => ({
    bill: await getBill(deps, request.user!, request.params.billId),
  }));

  app.post('/bills/:billId/pay', { schema: { tags: ['bills'], params: BillParams, response: { 200: BillResponse, ...errors } }, preValidation: auth, preHandler: noBody }, async (request, reply) => {
    const user = request.user!;
    const key = idempotencyKey(request);
    const result = await idempotent(deps, user.id, key, () => requestHash('POST', request.url.split('?')[0], null), 200, async (record) => ({
      bill: await payBill(deps, user, request.params.billId, record && ((tx, bill) => record(tx, { bill }))),
    }));
    return reply.code(result.status).send(result.body as { bill: Bill });
  });

  app.delete('/bills/:billId', { schema: { tags: ['bills'], params: BillParams, response: { 204: { type: 'null' }, ...errors } }, preValidation: auth, preHandler: noBody }, async (request, reply) => {
    await deleteBill(deps, request.user!, request.params.billId);
    return reply.code(204).send();
  });
}

// Payments between two members (issue 15): record, confirm, dispute, list.
import {
  CreatePaymentBody,
  DisputeBody,
  GroupParams,
  PageQuery,
  type Payment,
  PaymentParams,
  PaymentResponse,
  PaymentsResponse,
  Problem,
} from '../../contract/schemas.ts';
import { confirmPayment, disputePayment, listPayments, recordPayment } from '../../commands/payments.ts';
import { perform, performOnce } from '../../commands/unit-of-work.ts';
import type { App, RouteContext } from '../app.ts';
import { pageLimit } from '../paging.ts';
import { noBody } from '../no-body.ts';
import { keyed } from '../idempotency-key.ts';
import { absentBodyIsEmpty } from '../absent-body.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };

export function paymentRoutes(app: App, { deps, auth }: RouteContext) {
  app.post(
    '/groups/:groupId/payments',
    {
      schema: { tags: ['payments'], params: GroupParams, body: CreatePaymentBody, response: { 201: PaymentResponse, ...errors } },
      preValidation: auth,
    },
    async (request, reply) => {
      const input = { actor: request.user!, groupId: request.params.groupId, input: request.body };
      const answer = { keyed: keyed(request, request.body), status: 201, respond: (payment: Payment) => ({ payment }) };
      const result = await performOnce(deps, recordPayment, input, answer);
      return reply.code(result.status).send(result.body);
    },
  );

  app.get(
    '/groups/:groupId/payments',
    {
      schema: { tags: ['payments'], params: GroupParams, querystring: PageQuery, response: { 200: PaymentsResponse, ...errors } },
      preValidation: auth,
    },
    async (request) => listPayments(deps, request.user!, request.params.groupId, pageLimit(request.query.limit), request.query.cursor),
  );

  app.post(
    '/payments/:paymentId/confirm',
    {
      schema: { tags: ['payments'], params: PaymentParams, response: { 200: PaymentResponse, ...errors } },
      preValidation: auth,
      preHandler: noBody,
    },
    async (request) => ({ payment: await perform(deps, confirmPayment, { actor: request.user!, paymentId: request.params.paymentId }) }),
  );

  app.post(
    '/payments/:paymentId/dispute',
    {
      schema: { tags: ['payments'], params: PaymentParams, body: DisputeBody, response: { 200: PaymentResponse, ...errors } },
      preValidation: [auth, absentBodyIsEmpty],
    },
    async (request) => ({
      payment: await perform(deps, disputePayment, {
        actor: request.user!,
        paymentId: request.params.paymentId,
        reason: request.body.reason,
      }),
    }),
  );
}

// Editing a bill, its history, and reminders (issue 15).
import { BillParams, BillResponse, HistoryResponse, Problem, RemindBody, RemindResponse, UpdateBillBody } from '../../contract/schemas.ts';
import { billHistory, editBill, etagOf } from '../../commands/edit-bill.ts';
import { remind } from '../../commands/remind.ts';
import { perform } from '../../commands/unit-of-work.ts';
import { invalid } from '../../domain/errors.ts';
import type { App, RouteContext } from '../app.ts';
import { absentBodyIsEmpty } from '../absent-body.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 412: Problem, 428: Problem, 429: Problem };

export function billEditRoutes(app: App, { deps, auth }: RouteContext) {
  app.patch(
    '/bills/:billId',
    {
      schema: { tags: ['bills'], params: BillParams, body: UpdateBillBody, response: { 200: BillResponse, ...errors } },
      preValidation: auth,
    },
    async (request, reply) => {
      const ifMatch = request.headers['if-match'];
      const bill = await perform(deps, editBill, { actor: request.user!, billId: request.params.billId, ifMatch, input: request.body });
      return reply.header('etag', etagOf(bill.version)).send({ bill });
    },
  );

  app.get(
    '/bills/:billId/history',
    { schema: { tags: ['bills'], params: BillParams, response: { 200: HistoryResponse, ...errors } }, preValidation: auth },
    async (request) => billHistory(deps, request.user!, request.params.billId),
  );

  app.post(
    '/bills/:billId/remind',
    {
      schema: { tags: ['bills'], params: BillParams, body: RemindBody, response: { 202: RemindResponse, ...errors } },
      preValidation: [auth, absentBodyIsEmpty],
    },
    async (request, reply) => {
      const body = request.body;
      if (body.userId === request.user!.id) throw invalid('userId', 'is you: remind a member who owes a part');
      const result = await perform(deps, remind, { actor: request.user!, billId: request.params.billId, userId: body.userId });
      return reply.code(202).send(result);
    },
  );
}

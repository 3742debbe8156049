// Routes whose body is optional (remind, dispute): a request with no body at all is the empty object, so the
// route's body schema (validated after preValidation) checks a body when there is one and passes none.
import type { FastifyRequest } from 'fastify';

export async function absentBodyIsEmpty(request: FastifyRequest) {
  if (request.body === undefined || request.body === null) request.body = {};
}

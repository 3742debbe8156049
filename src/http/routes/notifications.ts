import { NotificationsQuery, NotificationsResponse, Problem, ReadBody } from '../../contract/schemas.ts';
import { listNotificationsJson, markRead } from '../../commands/notifications.ts';
import { invalid } from '../../domain/errors.ts';
import type { App, RouteContext } from '../app.ts';
import { pageLimit } from '../paging.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem };
export const NOTIFICATION_ID = /^(0|[1-9][0-9]{0,15})$/;

export function notificationRoutes(app: App, { deps, auth }: RouteContext) {
  app.get(
    '/notifications',
    { schema: { tags: ['notifications'], querystring: NotificationsQuery, response: { 200: NotificationsResponse, ...errors } }, preValidation: auth },
    async (request, reply) => {
      const { before } = request.query;
      if (before !== undefined && !NOTIFICATION_ID.test(before)) throw invalid('before', 'is not a cursor this service issued');
      const json = await listNotificationsJson(deps, request.user!, pageLimit(request.query.limit), before === undefined ? undefined : Number(before));
      // Already JSON text (the response schema above still documents it): sent as is.
      return reply.type('application/json; charset=utf-8').send(json as unknown as NotificationsResponse);
    },
  );

  app.post('/notifications/read', { schema: { tags: ['notifications'], body: ReadBody, response: { 204: { type: 'null' }, ...errors } }, preValidation: auth }, async (request, reply) => {
    await markRead(deps, request.user!, request.body);
    return reply.code(204).send();
  });
}

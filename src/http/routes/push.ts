import { Type } from '@sinclair/typebox';
import {
  Problem,
  PushPublicKeyResponse,
  PushSubscriptionBody,
  PushSubscriptionResponse,
  PushSubscriptionsResponse,
  PreferencesBody,
  PreferencesResponse,
} from '../../contract/schemas.ts';
import { listPushSubscriptions, subscribePush, unsubscribePush } from '../../commands/push.ts';
import { getPreferences, putPreferences } from '../../commands/preferences.ts';
import { perform } from '../../commands/unit-of-work.ts';
import type { App, RouteContext } from '../app.ts';
import { noBody } from '../no-body.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem };

export function pushRoutes(app: App, { deps, auth, config, channels }: RouteContext) {
  // Public: a browser needs it (applicationServerKey) before it can subscribe.
  app.get('/push/public-key', { schema: { tags: ['push'], response: { 200: PushPublicKeyResponse } } }, async () => ({
    publicKey: channels.vapid.publicKey,
  }));

  app.post(
    '/push/subscriptions',
    {
      schema: {
        tags: ['push'],
        body: PushSubscriptionBody,
        response: { 200: PushSubscriptionResponse, 201: PushSubscriptionResponse, ...errors },
      },
      preValidation: auth,
    },
    async (request, reply) => {
      const { subscription, created } = await perform(deps, subscribePush, {
        actor: request.user!,
        input: request.body,
        allowedOrigins: config.channels.pushAllowedOrigins,
      });
      return reply.code(created ? 201 : 200).send({ subscription });
    },
  );

  app.get(
    '/push/subscriptions',
    { schema: { tags: ['push'], response: { 200: PushSubscriptionsResponse, ...errors } }, preValidation: auth },
    async (request) => ({
      subscriptions: await listPushSubscriptions(deps, request.user!),
    }),
  );

  app.delete(
    '/push/subscriptions/:id',
    {
      schema: {
        tags: ['push'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: { type: 'null' }, 404: Problem, ...errors },
      },
      preValidation: auth,
      preHandler: noBody,
    },
    async (request, reply) => {
      await perform(deps, unsubscribePush, { actor: request.user!, id: request.params.id });
      return reply.code(204).send();
    },
  );

  app.get(
    '/me/notification-preferences',
    { schema: { tags: ['notifications'], response: { 200: PreferencesResponse, ...errors } }, preValidation: auth },
    async (request) => ({
      preferences: await getPreferences(deps, request.user!),
    }),
  );

  app.put(
    '/me/notification-preferences',
    { schema: { tags: ['notifications'], body: PreferencesBody, response: { 200: PreferencesResponse, ...errors } }, preValidation: auth },
    async (request) => ({ preferences: await perform(deps, putPreferences, { actor: request.user!, input: request.body }) }),
  );
}

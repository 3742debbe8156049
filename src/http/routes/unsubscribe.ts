// The unsubscribe link of every email (src/notify/deliveries/email.ts): /unsubscribe/<token>, outside /api
// because it is a page a person opens and a URL a mail provider POSTs to.
// GET shows a confirmation page and changes nothing (mail scanners follow links); POST turns the user's
// email channel off without a session (RFC 8058 §3.2: the body is "List-Unsubscribe=One-Click").
import { Type } from '@sinclair/typebox';
import { AppError } from '../../domain/errors.ts';
import { unsubscribeEmail } from '../../commands/preferences.ts';
import { perform } from '../../commands/unit-of-work.ts';
import type { App, RouteContext } from '../app.ts';

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} · Chipin</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">
<h1>${title}</h1>
${body}
</body></html>`;

export async function unsubscribeRoutes(app: App, { deps, channels }: RouteContext) {
  const params = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
  await app.register(async (plugin) => {
    const scope = plugin as unknown as App;
    // RFC 8058 names both form encodings; the body says nothing the URL does not, so it is read and ignored.
    scope.addContentTypeParser(
      ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'],
      { parseAs: 'string', bodyLimit: 4096 },
      (_request, _body, done) => done(null, undefined),
    );
    const userOf = (token: string) => {
      const userId = channels.unsubscribe.verify(token);
      if (userId === undefined) throw new AppError('not_found', 'This unsubscribe link is not valid');
      return userId;
    };

    scope.get('/unsubscribe/:token', { schema: { hide: true, params } }, async (request, reply) => {
      userOf(request.params.token);
      const action = `/unsubscribe/${encodeURIComponent(request.params.token)}`;
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(
          page(
            'Stop Chipin emails?',
            `<p>You will get no more emails from Chipin. Notifications still reach your inbox in the app, and push on your devices if you turned it on.</p>
<form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Stop emails</button></form>
<p>You can turn emails back on for each kind of notification in the app's notification settings.</p>`,
          ),
        );
    });

    scope.post('/unsubscribe/:token', { schema: { hide: true, params } }, async (request, reply) => {
      const userId = userOf(request.params.token);
      await perform(deps, unsubscribeEmail, { userId });
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(
          page(
            'Emails stopped',
            "<p>Chipin will send you no more emails. You can turn them back on in the app's notification settings.</p>",
          ),
        );
    });
  });
}

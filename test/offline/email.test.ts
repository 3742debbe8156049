// Email digests end to end: a child server sending over real SMTP to ./smtp.ts on loopback.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startChildServer, type ChildServer } from '../support/child-server.ts';
import { freePort } from '../support/free-port.ts';
import { billFor, call, groupWith, register } from '../support/api.ts';
import { startSmtp, type Inbox } from './smtp.ts';
import { until } from './push-service.ts';
import { NOTIFICATION_TYPES } from '../../src/contract/events.ts';

let inbox: Inbox;
before(async () => {
  inbox = await startSmtp();
});
after(async () => {
  await inbox.close();
});

async function serverWith(env: Record<string, string> = {}): Promise<ChildServer> {
  const port = String(await freePort());
  return startChildServer({
    PORT: port,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SMTP_URL: inbox.url,
    MAIL_FROM: 'Chipin <chipin@chipin.test>',
    EMAIL_DELAY_SECONDS: '1',
    ...env,
  });
}

async function pair(url: string) {
  const alice = await register(url, 'Alice');
  const bob = await register(url, 'Bob');
  const groupId = await groupWith(url, alice, [bob], 'EUR');
  return { alice, bob, groupId };
}

/** A header as it was on the wire (mailparser turns List-* headers into an object). */
const rawHeader = (mail: Inbox['mails'][number], name: string) =>
  mail.headerLines
    .find((h) => h.key === name)
    ?.line.replace(/^[^:]+:\s*/, '')
    .replace(/\r?\n\s+/g, ' ');
const mailsTo = (email: string) => inbox.mails.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0].address === email);

test('SMTP_URL needs MAIL_FROM and PUBLIC_URL: start-up refuses with one line', async () => {
  await assert.rejects(startChildServer({ SMTP_URL: inbox.url }), /MAIL_FROM is required when SMTP_URL is set/);
  await assert.rejects(
    startChildServer({ SMTP_URL: inbox.url, MAIL_FROM: 'chipin@chipin.test' }),
    /PUBLIC_URL is required when SMTP_URL is set/,
  );
});

test('a burst of 20 bills to one user makes one email listing them newest first, text and HTML, with one-click unsubscribe headers', async (t) => {
  const server = await serverWith({ EMAIL_DELAY_SECONDS: '5' });
  t.after(() => server.close());
  const { alice, bob, groupId } = await pair(server.url);
  const started = Date.now();
  const bills = await Promise.all(
    Array.from({ length: 20 }, (_, i) => billFor(server.url, alice, groupId, [bob], 1000 + (i + 1) * 2, `Bill ${i + 1}`)),
  );
  // The rule is one email per window: the burst must fit in one for the test to say anything.
  assert.ok(Date.now() - started < 4000, `the burst took ${Date.now() - started} ms, longer than the window`);
  await until(() => mailsTo(bob.email).length > 0, 20_000, 'the digest');
  await new Promise((r) => setTimeout(r, 6000)); // a second digest would have come by now
  const mails = mailsTo(bob.email);
  assert.equal(mails.length, 1);
  const [mail] = mails;
  const text = mail.text ?? '';
  assert.match(mail.subject ?? '', /20 updates/);
  const inbox = await call(server.url, 'GET', '/api/notifications?limit=20', { token: bob.token });
  const newestFirst = inbox.body.notifications.map(
    (n: { data: { bill: { description: string } } }) => `Alice added ${n.data.bill.description}`,
  );
  assert.deepEqual(
    [...text.matchAll(/^\* (Alice added Bill \d+)$/gm)].map((m) => m[1]),
    newestFirst,
  );
  assert.match(text, /You owe €5\.20 in Trip/); // Bill 20: (1000 + 40) / 2
  for (const b of bills) assert.ok(text.includes(`/bills/${b.id}`));
  assert.match(String(mail.html), /Alice added Bill 20/);
  assert.equal(rawHeader(mail, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
  // alice (the owner) gets nothing: member_added is not emailed by default and she owes nothing.
  assert.equal(mailsTo(alice.email).length, 0);
});

test('read before the window ends suppresses the email', async (t) => {
  const server = await serverWith({ EMAIL_DELAY_SECONDS: '2' });
  t.after(() => server.close());
  const { alice, bob, groupId } = await pair(server.url);
  await billFor(server.url, alice, groupId, [bob], 3000, 'Read in time');
  assert.equal((await call(server.url, 'POST', '/api/notifications/read', { token: bob.token, body: { all: true } })).status, 204);
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(mailsTo(bob.email).length, 0);
  // The channel works in this set-up: an unread one is sent.
  await billFor(server.url, alice, groupId, [bob], 3000, 'Left unread');
  await until(() => mailsTo(bob.email).length === 1, 10_000, "the unread bill's email");
  assert.match(mailsTo(bob.email)[0].text ?? '', /Left unread/);
  assert.doesNotMatch(mailsTo(bob.email)[0].text ?? '', /Read in time/);
});

test('preferences: defaults, per-type email off, and one-click unsubscribe (POST without a session) are honoured', async (t) => {
  const server = await serverWith();
  t.after(() => server.close());
  const { alice, bob, groupId } = await pair(server.url);
  const prefs = await call(server.url, 'GET', '/api/me/notification-preferences', { token: bob.token });
  assert.equal(prefs.status, 200);
  // Every stored type has both channels; push is on for all, email only for the three the issue names.
  const emailByDefault = new Set(['bill.created', 'bill.paid', 'bill.cancelled']);
  assert.deepEqual(
    prefs.body.preferences,
    Object.fromEntries(NOTIFICATION_TYPES.map((type) => [type, { push: true, email: emailByDefault.has(type) }])),
  );
  assert.equal(
    (
      await call(server.url, 'PUT', '/api/me/notification-preferences', {
        token: bob.token,
        body: { preferences: { 'no.such': { email: false } } },
      })
    ).status,
    400,
  );
  const put = await call(server.url, 'PUT', '/api/me/notification-preferences', {
    token: bob.token,
    body: { preferences: { 'bill.created': { email: false } } },
  });
  assert.deepEqual(put.body.preferences['bill.created'], { push: true, email: false });
  const first = await billFor(server.url, alice, groupId, [bob], 3000, 'No email for this');
  await call(server.url, 'DELETE', `/api/bills/${first.id}`, { token: alice.token });
  await until(() => mailsTo(bob.email).length === 1, 10_000, 'the cancellation email');
  const [mail] = mailsTo(bob.email);
  assert.match(mail.text ?? '', /Alice cancelled No email for this/);
  assert.doesNotMatch(mail.text ?? '', /Alice added/);
  const link = /^<(.+)>$/.exec(String(rawHeader(mail, 'list-unsubscribe')))![1];
  const path = new URL(link).pathname;
  assert.match(path, /^\/unsubscribe\/[^/]+$/);
  const page = await fetch(server.url + path);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<form method="post"/);
  // GET changes nothing (link scanners follow links).
  assert.equal(
    (await call(server.url, 'GET', '/api/me/notification-preferences', { token: bob.token })).body.preferences['bill.cancelled'].email,
    true,
  );
  assert.equal((await fetch(`${server.url + path.slice(0, -3)}AAA`, { method: 'POST' })).status, 404);
  const one = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  assert.equal(one.status, 200);
  const after = await call(server.url, 'GET', '/api/me/notification-preferences', { token: bob.token });
  for (const choice of Object.values(after.body.preferences) as { email: boolean }[]) assert.equal(choice.email, false);
  const second = await billFor(server.url, alice, groupId, [bob], 3000, 'After unsubscribe');
  await call(server.url, 'DELETE', `/api/bills/${second.id}`, { token: alice.token });
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(mailsTo(bob.email).length, 1);
});

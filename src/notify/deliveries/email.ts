// The email digest: one message per user per window, listing the notifications of the window that are still
// unread, newest first, with their amounts and links; text and HTML parts; List-Unsubscribe with one-click
// unsubscribe (RFC 2369, RFC 8058). Sent over SMTP with nodemailer.
import nodemailer from 'nodemailer';
import type { Notification } from '../../contract/events.ts';
import type { UserRow } from '../../store/store.ts';
import { describe } from './text.ts';

export type Mail = { to: string; subject: string; text: string; html: string; headers: Record<string, string> };

export type MailOutcome = { kind: 'delivered' } | { kind: 'retry'; reason: string } | { kind: 'rejected'; reason: string };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `notifications` newest first. */
export function composeDigest(user: UserRow, notifications: readonly Notification[], publicUrl: string, unsubscribeUrl: string): Mail {
  const items = notifications.map((n) => ({ ...describe(n), url: `${publicUrl}${describe(n).path}` }));
  const subject = items.length === 1 ? `Chipin: ${items[0].title}` : `Chipin: ${items.length} updates — ${items[0].title}`;
  const text = [
    `Hello ${user.name},`,
    '',
    items.length === 1
      ? 'This happened in Chipin while you were away:'
      : `These ${items.length} things happened in Chipin while you were away (newest first):`,
    '',
    ...items.flatMap((i) => [`* ${i.title}`, `  ${i.body}`, `  ${i.url}`, '']),
    `Open Chipin: ${publicUrl}/`,
    '',
    `You get this email because you have unread Chipin notifications. Stop these emails: ${unsubscribeUrl}`,
    `Choose what you get: ${publicUrl}/settings/notifications`,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>Hello ${escapeHtml(user.name)},</p>
<p>${items.length === 1 ? 'This happened in Chipin while you were away:' : `These ${items.length} things happened in Chipin while you were away (newest first):`}</p>
<ul>
${items.map((i) => `<li><a href="${escapeHtml(i.url)}"><strong>${escapeHtml(i.title)}</strong></a><br>${escapeHtml(i.body)}</li>`).join('\n')}
</ul>
<p><a href="${escapeHtml(publicUrl)}/">Open Chipin</a></p>
<p style="color:#666;font-size:small">You get this email because you have unread Chipin notifications.
<a href="${escapeHtml(unsubscribeUrl)}">Stop these emails</a> · <a href="${escapeHtml(publicUrl)}/settings/notifications">Choose what you get</a></p>
</body></html>`;
  return {
    to: user.email,
    subject,
    text,
    html,
    // RFC 8058 §3.1: both headers, the URI an https one; the POST it asks for needs no session.
    headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}

export type Mailer = { send(mail: Mail): Promise<MailOutcome>; close(): void };

export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    // Bounded, so a stuck SMTP server cannot hold a delivery past its lease (./worker.ts).
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      try {
        await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, headers: mail.headers });
        return { kind: 'delivered' };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const reason = (error as Error).message;
        // RFC 5321 §4.2.1: 5yz is permanent (the address or the message is refused), 4yz and no answer transient.
        if (code !== undefined && code >= 500) return { kind: 'rejected', reason };
        return { kind: 'retry', reason };
      }
    },
    close: () => transport.close(),
  };
}

// The group's history, newest first, refreshed live: every change also sends the members group.updated.
import type { ActivityEvent } from '../../../src/contract/activity.ts';
import type { Group } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { money, dateTime } from '../format.ts';
import { useLiveEvent } from '../live/live-context.tsx';
import { useLoader } from '../use-loader.ts';

/** One event in words. `data` is narrowed by `type`: a new type fails to compile here. */
export function describeActivity(e: ActivityEvent, currency: string): string {
  const who = e.actor.name;
  switch (e.type) {
    case 'bill.created':
      return `${who} added ${e.data.bill.description} (${money(e.data.bill.amount, currency)})`;
    case 'bill.paid':
      return `${who} paid ${money(e.data.amount, currency)} for ${e.data.bill.description}`;
    case 'bill.deleted':
      return `${who} deleted ${e.data.bill.description}`;
    case 'bill.updated':
      return `${who} edited ${e.data.bill.description} (${e.data.changed.join(', ')})`;
    case 'payment.recorded':
      return `${who} recorded a payment of ${money(e.data.payment.amount, currency)} to ${e.data.payment.to.name}`;
    case 'payment.confirmed':
      return `${who} confirmed ${e.data.payment.from.name}'s payment of ${money(e.data.payment.amount, currency)}`;
    case 'payment.disputed':
      return `${who} disputed ${e.data.payment.from.name}'s payment of ${money(e.data.payment.amount, currency)}`;
    case 'member.added':
      return `${who} added ${e.data.member.name}${e.data.member.pending ? ' (not signed up yet)' : ''}`;
    case 'member.joined':
      return e.data.claimed ? `${who} joined, as ${e.data.claimed.name}` : `${who} joined`;
    case 'member.removed':
      return e.data.member.id === e.actor.id ? `${who} left` : `${who} removed ${e.data.member.name}`;
    case 'invite.created':
      return `${who} made an invite link`;
    case 'invite.revoked':
      return `${who} revoked an invite link`;
    default:
      return unknown(e);
  }
}

function unknown(_e: never): string {
  return 'Something changed';
}

export function Activity({ group }: { group: Group }) {
  const events = useLoader(() => api.activity(group.id, { limit: 100 }), [group.id]);
  useLiveEvent((e) => {
    if (
      e.type === 'resynced' ||
      (e.type === 'group.updated' && e.groupId === group.id) ||
      (e.type === 'notification' && e.notification.data.group.id === group.id)
    ) {
      events.reload();
    }
  });
  if (!events.data) return <p className="muted">Loading…</p>;
  if (events.data.events.length === 0) return <p className="muted">Nothing has happened yet.</p>;
  return (
    <ol className="activity-list" aria-label="Activity">
      {events.data.events.map((e) => (
        <li key={e.id} data-activity-id={e.id}>
          <span>{describeActivity(e, group.currency)}</span>{' '}
          <time className="muted" dateTime={e.at}>
            {dateTime(e.at)}
          </time>
        </li>
      ))}
    </ol>
  );
}

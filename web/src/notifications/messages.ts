// A notification in words, and where it leads: "Alice added Dinner — you owe $33.33".
// `data` is narrowed by `type` (the contract's event union): no casts, and a new type fails to compile here.
import type { Notification } from '../../../src/contract/events.ts';
import { money } from '../format.ts';
import { paths } from '../router.tsx';

export type Described = { text: string; link: { to: string; label: string } | undefined; groupId: string | undefined };

export function describe(n: Notification): Described {
  switch (n.type) {
    case 'bill.created': {
      const d = n.data;
      return {
        text: `${d.actor.name} added ${d.bill.description} — you owe ${money(d.amount, d.bill.currency)}`,
        link: { to: paths.bill(d.bill.id, d.group.id), label: 'View bill' },
        groupId: d.group.id,
      };
    }
    case 'bill.paid': {
      const d = n.data;
      return {
        text: `${d.actor.name} paid ${money(d.amount, d.bill.currency)} for ${d.bill.description}${d.via ? ' (with a confirmed payment)' : ''}`,
        link: { to: paths.bill(d.bill.id, d.group.id), label: 'View bill' },
        groupId: d.group.id,
      };
    }
    case 'bill.unpaid': {
      const d = n.data;
      return {
        text: `${d.actor.name} undid paying ${money(d.amount, d.bill.currency)} for ${d.bill.description} — it is owed again`,
        link: { to: paths.bill(d.bill.id, d.group.id), label: 'View bill' },
        groupId: d.group.id,
      };
    }
    case 'bill.cancelled': {
      const d = n.data;
      // The bill is gone, so the link leads to its group.
      return {
        text: `${d.actor.name} cancelled your part of ${d.bill.description} — you no longer owe ${money(d.amount, d.bill.currency)}`,
        link: { to: paths.group(d.group.id), label: `Open ${d.group.name}` },
        groupId: d.group.id,
      };
    }
    case 'bill.updated': {
      const d = n.data;
      const renamed = d.previous.description !== d.bill.description ? ` (was ${d.previous.description})` : '';
      const part =
        d.previous.amount === d.amount
          ? `you owe ${money(d.amount, d.bill.currency)}`
          : `you owe ${money(d.amount, d.bill.currency)}, was ${money(d.previous.amount, d.bill.currency)}`;
      return {
        text: `${d.actor.name} edited ${d.bill.description}${renamed} — ${part}`,
        link: { to: paths.bill(d.bill.id), label: 'View bill' },
        groupId: d.group.id,
      };
    }
    case 'bill.reminder': {
      const d = n.data;
      return {
        text: `${d.actor.name} reminds you to pay ${money(d.amount, d.bill.currency)} for ${d.bill.description}`,
        link: { to: paths.bill(d.bill.id), label: 'View bill' },
        groupId: d.group.id,
      };
    }
    case 'payment.recorded': {
      const d = n.data;
      return {
        text: `${d.actor.name} says they paid you ${money(d.payment.amount, d.payment.currency)} — confirm it or dispute it`,
        link: { to: paths.group(d.group.id), label: `Open ${d.group.name}` },
        groupId: d.group.id,
      };
    }
    case 'payment.confirmed': {
      const d = n.data;
      return {
        text: `${d.actor.name} confirmed your payment of ${money(d.payment.amount, d.payment.currency)}`,
        link: { to: paths.group(d.group.id), label: `Open ${d.group.name}` },
        groupId: d.group.id,
      };
    }
    case 'payment.disputed': {
      const d = n.data;
      return {
        text: `${d.actor.name} disputed your payment of ${money(d.payment.amount, d.payment.currency)}${d.reason ? `: ${d.reason}` : ''}`,
        link: { to: paths.group(d.group.id), label: `Open ${d.group.name}` },
        groupId: d.group.id,
      };
    }
    case 'group.member_added': {
      const d = n.data;
      return {
        text: `${d.actor.name} added you to ${d.group.name}`,
        link: { to: paths.group(d.group.id), label: `Open ${d.group.name}` },
        groupId: d.group.id,
      };
    }
    case 'group.member_joined': {
      const d = n.data;
      return {
        text: `${d.member.name} joined ${d.group.name}`,
        link: { to: paths.group(d.group.id), label: `Open ${d.group.name}` },
        groupId: d.group.id,
      };
    }
    case 'group.member_removed': {
      const d = n.data;
      return {
        text:
          d.actor.id === d.member.id
            ? `${d.member.name} left ${d.group.name}`
            : `${d.actor.name} removed ${d.member.name} from ${d.group.name}`,
        link: { to: paths.group(d.group.id), label: `Open ${d.group.name}` },
        groupId: d.group.id,
      };
    }
    default:
      // Unreachable by type; at run time a server newer than this page could still send a new type.
      return unknown(n);
  }
}

/**
 * Several notifications of one kind from one person in a burst, as one line: "3 new bills from Alice".
 * The key says which ones collapse together; undefined for kinds that never do.
 */
export function burstOf(n: Notification): { key: string; text: (count: number) => string } | undefined {
  const actor = 'actor' in n.data ? n.data.actor : undefined;
  if (!actor) return undefined;
  const key = `${n.type}:${actor.id}`;
  switch (n.type) {
    case 'bill.created':
      return { key, text: (c) => `${c} new bills from ${actor.name}` };
    case 'bill.paid':
      return { key, text: (c) => `${actor.name} paid ${c} parts` };
    case 'bill.cancelled':
      return { key, text: (c) => `${actor.name} deleted ${c} bills` };
    default:
      return { key, text: (c) => `${c} updates from ${actor.name}` };
  }
}

function unknown(_n: never): Described {
  return { text: 'Something changed in one of your groups', link: undefined, groupId: undefined };
}

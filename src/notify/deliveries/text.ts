// The human text of a notification on the channels that speak to a person who is not looking: the push
// title and body, the email line, and the page it links to. One exhaustive switch: a new notification type
// does not compile until it has its words here.
import type { Notification } from '../../contract/events.ts';
import { currencyExponent, formatMinor } from '../../domain/money.ts';

export type Text = { title: string; body: string /** path on the web app (web/src/router.tsx) */; path: string };

/** "€25.00"-style money: the symbol where Intl knows one, the exact minor units always (no float rounding). */
export function money(amount: number, currency: string): string {
  const exponent = currencyExponent(currency) ?? 2;
  const decimal = formatMinor(amount, exponent);
  try {
    const parts = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).formatToParts(0);
    const symbol = parts.find((p) => p.type === 'currency')?.value ?? currency;
    const symbolFirst = parts.findIndex((p) => p.type === 'currency') < parts.findIndex((p) => p.type === 'integer');
    return symbolFirst ? `${symbol}${decimal}` : `${decimal} ${symbol}`;
  } catch {
    return `${decimal} ${currency}`;
  }
}

const billPath = (id: string) => `/bills/${encodeURIComponent(id)}`;
const groupPath = (id: string) => `/groups/${encodeURIComponent(id)}`;

export function describe(n: Notification): Text {
  switch (n.type) {
    case 'bill.created': {
      const { bill, actor, amount } = n.data;
      return {
        title: `${actor.name} added ${bill.description}`,
        body: `You owe ${money(amount, bill.currency)} in ${n.data.group.name}`,
        path: billPath(bill.id),
      };
    }
    case 'bill.paid': {
      const { bill, actor, amount } = n.data;
      return {
        title: `${actor.name} paid ${money(amount, bill.currency)}`,
        body: `For ${bill.description} in ${n.data.group.name}`,
        path: billPath(bill.id),
      };
    }
    case 'bill.unpaid': {
      const { bill, actor, amount } = n.data;
      return {
        title: `${actor.name} undid paying ${money(amount, bill.currency)}`,
        body: `For ${bill.description} in ${n.data.group.name}: it is owed again`,
        path: billPath(bill.id),
      };
    }
    case 'bill.cancelled': {
      const { bill, actor, amount } = n.data;
      return {
        title: `${actor.name} cancelled ${bill.description}`,
        body: `You no longer owe ${money(amount, bill.currency)} in ${n.data.group.name}`,
        path: groupPath(bill.groupId),
      };
    }
    case 'bill.updated': {
      const { bill, actor, amount, previous } = n.data;
      const title =
        previous.description !== bill.description
          ? `${actor.name} changed ${previous.description} to ${bill.description}`
          : `${actor.name} changed ${bill.description}`;
      return { title, body: `Your part: ${money(amount, bill.currency)} in ${n.data.group.name}`, path: billPath(bill.id) };
    }
    case 'bill.reminder': {
      const { bill, actor, amount } = n.data;
      return {
        title: `${actor.name} reminds you about ${bill.description}`,
        body: `You owe ${money(amount, bill.currency)} in ${n.data.group.name}`,
        path: billPath(bill.id),
      };
    }
    case 'payment.recorded': {
      const { payment, actor, group } = n.data;
      return {
        title: `${actor.name} says they paid you ${money(payment.amount, payment.currency)}`,
        body: `Confirm or dispute it in ${group.name}`,
        path: groupPath(group.id),
      };
    }
    case 'payment.confirmed': {
      const { payment, actor, group } = n.data;
      return {
        title: `${actor.name} confirmed your payment of ${money(payment.amount, payment.currency)}`,
        body: `In ${group.name}`,
        path: groupPath(group.id),
      };
    }
    case 'payment.disputed': {
      const { payment, actor, group } = n.data;
      return {
        title: `${actor.name} disputed your payment of ${money(payment.amount, payment.currency)}`,
        body: n.data.reason ? `“${n.data.reason}” in ${group.name}` : `In ${group.name}`,
        path: groupPath(group.id),
      };
    }
    case 'group.member_added': {
      const { group, actor } = n.data;
      return {
        title: `${actor.name} added you to ${group.name}`,
        body: 'Bills shared in this group will show up here',
        path: groupPath(group.id),
      };
    }
    case 'group.member_joined': {
      const { group, member } = n.data;
      return { title: `${member.name} joined ${group.name}`, body: 'They can now share bills in this group', path: groupPath(group.id) };
    }
    case 'group.member_removed': {
      const { group, member, actor } = n.data;
      const title =
        actor.id === member.id ? `${member.name} left ${group.name}` : `${actor.name} removed ${member.name} from ${group.name}`;
      return { title, body: 'Their past bills stay in the group', path: groupPath(group.id) };
    }
    default: {
      const unknown: never = n;
      throw new Error(`no text for notification type ${(unknown as { type: string }).type}`);
    }
  }
}

/** The bill a notification is about, if any: a newer push about it replaces an undelivered older one (Topic). */
export function billOf(n: Notification): string | undefined {
  return 'bill' in n.data ? n.data.bill.id : undefined;
}

// The notification types in words, for the preferences page. A type this page does not know yet (a
// server newer than the page) shows by its name rather than being hidden.
const LABELS: Readonly<Record<string, string>> = {
  'bill.created': 'Someone adds a bill you share',
  'bill.paid': 'Someone pays their share of your bill',
  'bill.unpaid': 'Someone takes back paying their share of your bill',
  'bill.cancelled': 'A bill you share is deleted',
  'bill.updated': 'Someone changes a bill you share',
  'bill.reminder': 'Someone reminds you to pay your part',
  'payment.recorded': 'Someone records a payment to you',
  'payment.confirmed': 'Your payment is confirmed',
  'payment.disputed': 'Your payment is disputed',
  'group.member_added': 'Someone adds you to a group',
};

export const typeLabel = (type: string): string => LABELS[type] ?? type;

/** Known types in the order above, then any others by name. */
export function typeOrder(types: readonly string[]): string[] {
  const known = Object.keys(LABELS);
  const rank = (t: string) => (known.includes(t) ? known.indexOf(t) : known.length);
  return [...types].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

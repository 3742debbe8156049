// Where the reader stands on one bill, for its compact row: what the others still owe them (their bill),
// their own part and whether it is paid, or that they are not in it. The tone picks the owed/owes colours.
import type { Bill, Share } from '../../../src/contract/schemas.ts';

export type Standing = { text: string; tone: 'owed' | 'owes' | 'even' };

/** `mine` is the reader's part as shown (a just-pressed "Mark as paid" counts before the reload says so). */
export function billStanding(bill: Bill, me: string, mine: Share | undefined, fmt: (amount: number) => string): Standing {
  if (bill.ownerId === me) {
    const others = bill.shares.filter((s) => s.userId !== me);
    const owed = others.filter((s) => s.paidAt === null).reduce((sum, s) => sum + s.amount, 0);
    if (owed > 0) return { text: `You are owed ${fmt(owed)}`, tone: 'owed' };
    return { text: others.length === 0 ? 'Only your part' : 'Everyone has paid you', tone: 'even' };
  }
  if (!mine) return { text: 'Not part of it', tone: 'even' };
  return mine.paidAt
    ? { text: `Your part ${fmt(mine.amount)} · paid`, tone: 'even' }
    : { text: `Your part ${fmt(mine.amount)}`, tone: 'owes' };
}

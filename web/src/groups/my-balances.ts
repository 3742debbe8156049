// The reader's net in each of their groups, for the groups list. The API has no list-wide balance, so each
// group's own GET …/balances is asked, in parallel, and only for a short list: past MAX_GROUPS the list shows
// no balances rather than send a burst of requests on every live refresh. A group whose balances cannot
// be read shows none; the list itself still loads.
import type { Group } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { money } from '../format.ts';

export const MAX_GROUPS = 20;

export type MyBalance = { net: number; currency: string };

export async function myBalances(groups: readonly Group[], me: string): Promise<ReadonlyMap<string, MyBalance>> {
  if (groups.length > MAX_GROUPS) return new Map();
  const entries = await Promise.all(
    groups.map(async (g) => {
      try {
        const b = await api.balances(g.id);
        return [g.id, { net: b.balances.find((x) => x.userId === me)?.net ?? 0, currency: b.currency }] as const;
      } catch {
        return undefined;
      }
    }),
  );
  return new Map(entries.filter((e) => e !== undefined));
}

/** "You are owed €275.00", "You owe €30.00", "Settled up". */
export function balanceWords({ net, currency }: MyBalance): string {
  if (net > 0) return `You are owed ${money(net, currency)}`;
  if (net < 0) return `You owe ${money(-net, currency)}`;
  return 'Settled up';
}

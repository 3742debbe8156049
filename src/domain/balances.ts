// Who owes whom in a group, and the fewest-ish transfers that clear it.
// Nets are summed in BigInt so many large debts cannot lose precision before the final check.

import { AppError, invalid } from './errors.ts';

/** `from` owes `to`; amount > 0 minor units. */
export type Debt = { from: string; to: string; amount: number };
/** net > 0: the others owe this user; net < 0: this user owes the others. */
export type Balance = { userId: string; net: number };
export type Settlement = { from: string; to: string; amount: number };

/**
 * One balance per member, in `memberIds` order, zeros included (a repeated id counts once).
 * Users who appear only in debts (former members) still get a balance, after the members in
 * first-seen order: dropping them would leave the nets not summing to zero.
 */
export function netBalances(memberIds: string[], debts: Debt[]): Balance[] {
  const nets = new Map<string, bigint>();
  for (const id of memberIds) if (!nets.has(id)) nets.set(id, 0n);
  debts.forEach((d, i) => {
    if (!Number.isSafeInteger(d.amount) || d.amount <= 0) throw invalid(`debts.${i}.amount`, 'must be a positive integer');
    const amount = BigInt(d.amount);
    nets.set(d.from, (nets.get(d.from) ?? 0n) - amount);
    nets.set(d.to, (nets.get(d.to) ?? 0n) + amount);
  });
  return [...nets].map(([userId, net]) => ({ userId, net: toSafe(net) }));
}

function toSafe(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new AppError('validation', 'balance out of range', [{ path: 'debts', message: 'a balance exceeds the safe integer range' }]);
  }
  return Number(n);
}

/**
 * Transfers that bring every net to zero. Greedy: the largest debtor pays the largest creditor
 * as much as either can take, so each transfer zeroes at least one side and the last zeroes
 * both, giving at most (nonzero members − 1) transfers. Ties between equal nets go to the
 * smaller userId (code-unit order, not locale) so the plan does not depend on input order.
 * Not always the minimum number of transfers (that is NP-hard), but never more than n − 1.
 */
export function settle(balances: Balance[]): Settlement[] {
  const seen = new Set<string>();
  let sum = 0n;
  const open: { userId: string; net: bigint }[] = [];
  balances.forEach((b, i) => {
    if (!Number.isSafeInteger(b.net)) throw invalid(`balances.${i}.net`, 'must be an integer');
    if (seen.has(b.userId)) throw invalid(`balances.${i}.userId`, `${b.userId} appears more than once`);
    seen.add(b.userId);
    sum += BigInt(b.net);
    if (b.net !== 0) open.push({ userId: b.userId, net: BigInt(b.net) });
  });
  if (sum !== 0n) throw invalid('balances', `nets add up to ${sum}, not 0`);

  const out: Settlement[] = [];
  for (;;) {
    const debtor = largest(open, -1n);
    const creditor = largest(open, 1n);
    if (debtor === undefined || creditor === undefined) break;
    // biome-ignore lint/complexity/useMathMinMax: BigInt, which Math.min does not take
    const amount = -debtor.net < creditor.net ? -debtor.net : creditor.net;
    out.push({ from: debtor.userId, to: creditor.userId, amount: Number(amount) });
    debtor.net += amount;
    creditor.net -= amount;
    for (const b of [debtor, creditor]) if (b.net === 0n) open.splice(open.indexOf(b), 1);
  }
  return out;
}

/** The entry with the largest |net| among those whose net has `sign`; ties by smaller userId. */
function largest(open: { userId: string; net: bigint }[], sign: 1n | -1n): { userId: string; net: bigint } | undefined {
  let best: { userId: string; net: bigint } | undefined;
  for (const b of open) {
    const size = b.net * sign;
    if (size <= 0n) continue;
    const bestSize = best === undefined ? 0n : best.net * sign;
    if (best === undefined || size > bestSize || (size === bestSize && b.userId < best.userId)) best = b;
  }
  return best;
}

// Splits a bill amount (integer minor units) into per-user parts that add up to it exactly.
//
// Method: largest remainder (Hamilton). Each user first gets floor(amount × w / W); the few
// leftover minor units (fewer than the number of users) then go one each to the users with the
// largest fractional remainder. So every part is within one minor unit of its exact share.
// Tie rule: equal remainders are broken by input order, earlier entry first. For `equal` that
// means the first `amount mod n` members of `among` pay one unit more: 100 among 3 → 34, 33, 33.
// Input order is `among`'s order or the object's key order (JS puts integer-like keys such as
// "42" first, which is one reason user ids are not bare integers).
//
// Zero parts are dropped from the result in every mode: a user who owes nothing is not a debtor
// of the bill (1 among 3 → a single part of 1). At least one part always remains, because
// amount ≥ 1 and the weights are never all zero.
//
// Products amount × weight reach 10^12 × 10^6, past 2^53, so the arithmetic is BigInt.

import { AppError, invalid } from './errors.ts';
import { MAX_AMOUNT, isAmount } from './money.ts';

export type SplitInput =
  | { mode: 'equal'; among: string[] }
  | { mode: 'exact'; amounts: Record<string, number> }
  | { mode: 'percent'; percents: Record<string, number> }
  | { mode: 'shares'; shares: Record<string, number> };

export type Part = { userId: string; amount: number };

export const MAX_SHARES = 1_000_000;

type Weighted = { userId: string; weight: bigint };

export function computeSplit(amount: number, split: SplitInput): Part[] {
  if (!isAmount(amount)) throw invalid('amount', `must be an integer from 1 to ${MAX_AMOUNT}`);
  const parts = split?.mode === 'exact' ? exactParts(amount, split.amounts) : hamilton(amount, weightsOf(split));
  return parts.filter((p) => p.amount > 0);
}

/** The user ids a split names, in input order (including any whose part would be zero). */
export function splitUserIds(split: SplitInput): string[] {
  switch (split.mode) {
    case 'equal':
      return [...split.among];
    case 'exact':
      return Object.keys(split.amounts);
    case 'percent':
      return Object.keys(split.percents);
    case 'shares':
      return Object.keys(split.shares);
  }
}

function weightsOf(split: SplitInput): Weighted[] {
  switch (split?.mode) {
    case 'equal':
      return equalWeights(split.among);
    case 'percent':
      return percentWeights(split.percents);
    case 'shares':
      return shareWeights(split.shares);
    default:
      throw invalid('split.mode', 'must be one of equal, exact, percent, shares');
  }
}

function equalWeights(among: unknown): Weighted[] {
  if (!Array.isArray(among) || among.length === 0) throw invalid('split.among', 'must list at least one member');
  const seen = new Set<string>();
  for (const id of among) {
    if (typeof id !== 'string' || id === '') throw invalid('split.among', 'must contain only non-empty user ids');
    if (seen.has(id)) throw invalid('split.among', `lists ${id} more than once`);
    seen.add(id);
  }
  return among.map((userId: string) => ({ userId, weight: 1n }));
}

/** Entries of a per-user record, rejecting an empty or non-object record under `path`. */
function entriesOf(record: unknown, path: string): [string, unknown][] {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw invalid(path, 'must be an object of user id → value');
  const entries = Object.entries(record);
  if (entries.length === 0) throw invalid(path, 'must name at least one member');
  if (entries.some(([id]) => id === '')) throw invalid(path, 'user ids must not be empty');
  return entries;
}

function exactParts(amount: number, amounts: unknown): Part[] {
  const parts: Part[] = [];
  let sum = 0n;
  for (const [userId, value] of entriesOf(amounts, 'split.amounts')) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_AMOUNT) {
      throw invalid(`split.amounts.${userId}`, `must be an integer from 0 to ${MAX_AMOUNT}`);
    }
    sum += BigInt(value);
    parts.push({ userId, amount: value });
  }
  if (sum !== BigInt(amount)) throw invalid('split.amounts', `parts add up to ${sum}, not ${amount}`);
  return parts;
}

function percentWeights(percents: unknown): Weighted[] {
  const out: Weighted[] = [];
  let total = 0n;
  for (const [userId, p] of entriesOf(percents, 'split.percents')) {
    // Percent has at most 2 decimals, so it is an exact count of basis points; the tolerance
    // only absorbs binary float noise (33.33 * 100 === 3332.9999999999995).
    const scaled = typeof p === 'number' ? p * 100 : NaN;
    const bp = Math.round(scaled);
    if (!Number.isFinite(scaled) || Math.abs(bp - scaled) > 1e-9 || bp < 0 || bp > 10_000) {
      throw invalid(`split.percents.${userId}`, 'must be a number from 0 to 100 with at most 2 decimals');
    }
    total += BigInt(bp);
    out.push({ userId, weight: BigInt(bp) });
  }
  if (total !== 10_000n) {
    throw new AppError('validation', 'percents must add up to 100', [
      { path: 'split.percents', message: `percents add up to ${formatBp(total)}, not 100` },
    ]);
  }
  return out;
}

function formatBp(bp: bigint): string {
  const whole = bp / 100n;
  const frac = bp % 100n;
  return frac === 0n ? `${whole}` : `${whole}.${String(frac).padStart(2, '0')}`;
}

function shareWeights(shares: unknown): Weighted[] {
  return entriesOf(shares, 'split.shares').map(([userId, s]) => {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 1 || s > MAX_SHARES) {
      throw invalid(`split.shares.${userId}`, `must be an integer from 1 to ${MAX_SHARES}`);
    }
    return { userId, weight: BigInt(s) };
  });
}

/** Largest-remainder apportionment of `amount` by `weights` (total weight > 0). */
function hamilton(amount: number, weights: Weighted[]): Part[] {
  const total = weights.reduce((s, w) => s + w.weight, 0n);
  const a = BigInt(amount);
  const rows = weights.map((w, index) => {
    const product = a * w.weight;
    return { userId: w.userId, index, base: product / total, remainder: product % total };
  });
  let leftover = a - rows.reduce((s, r) => s + r.base, 0n);
  const byRemainder = [...rows].sort((x, y) => (x.remainder === y.remainder ? x.index - y.index : x.remainder > y.remainder ? -1 : 1));
  const extra = new Set<number>();
  for (const r of byRemainder) {
    if (leftover === 0n) break;
    extra.add(r.index);
    leftover -= 1n;
  }
  return rows.map((r) => ({ userId: r.userId, amount: Number(r.base) + (extra.has(r.index) ? 1 : 0) }));
}

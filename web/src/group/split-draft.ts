// The bill form's text → the API's request, with the same checks the API makes, so the form refuses what
// the API would refuse and shows each member's part as it is typed. Pure: no React, no I/O.
// Amounts and percents are read as people type them with parseTypedAmount (either decimal separator where
// unambiguous, grouping too; string arithmetic, no floats).
import type { CreateBillBody } from '../../../src/contract/schemas.ts';
import { isAppError } from '../../../src/domain/errors.ts';
import { MAX_AMOUNT, parseTypedAmount } from '../../../src/domain/money.ts';
import { MAX_SHARES, computeSplit, type Part, type SplitInput } from '../../../src/domain/split.ts';

export type Mode = SplitInput['mode'];
export const MODES: readonly Mode[] = ['equal', 'exact', 'percent', 'shares'];

/** The per-member record key each mode uses on the wire, and so in error paths (split.amounts.<id>). */
export const MODE_KEY = { equal: 'among', exact: 'amounts', percent: 'percents', shares: 'shares' } as const satisfies Record<Mode, string>;

export type Draft = {
  description: string;
  amount: string;
  mode: Mode;
  /** equal: who is left out (everyone else is in, members added later too). */
  leftOut: Readonly<Record<string, boolean>>;
  /** exact, percent, shares: what was typed per member ('' = not in the split; shares default to 1). */
  exact: Readonly<Record<string, string>>;
  percent: Readonly<Record<string, string>>;
  shares: Readonly<Record<string, string>>;
};

export type Checked = {
  /** The request, when nothing is wrong. */
  body: CreateBillBody | undefined;
  /** Each member's part, when the amount and split can be computed. */
  parts: Part[] | undefined;
  /** For exact: how much of the amount the typed parts leave (negative: too much). */
  unassigned: number | undefined;
  /** Field path → message ('description', 'amount', 'split', 'split.amounts.<id>', …). */
  errors: Record<string, string>;
};

export const DEFAULT_SHARES = '1';

export function emptyDraft(): Draft {
  return { description: '', amount: '', mode: 'equal', leftOut: {}, exact: {}, percent: {}, shares: {} };
}

const MAX_DESCRIPTION = 200;

/**
 * `format` shows minor units as money (the form passes its Intl formatter); `decimal` is the reader's decimal
 * separator, which decides only the ambiguous "1,234".
 */
export function checkDraft(
  draft: Draft,
  memberIds: readonly string[],
  me: string,
  exponent: number,
  format: (minor: number) => string,
  decimal: '.' | ',' = '.',
): Checked {
  const errors: Record<string, string> = {};
  const description = draft.description.trim();
  if (description === '') errors.description = 'Say what the bill was for.';
  else if (description.length > MAX_DESCRIPTION) errors.description = `At most ${MAX_DESCRIPTION} characters.`;

  const amount = readAmount(draft.amount, exponent, decimal, format);
  if (typeof amount === 'string') errors.amount = amount;

  const split = readSplit(draft, memberIds, exponent, decimal, errors);
  let parts: Part[] | undefined;
  let unassigned: number | undefined;
  if (split && split.mode === 'exact' && typeof amount === 'number') {
    unassigned = amount - Object.values(split.amounts).reduce((s, v) => s + v, 0);
  }
  if (unassigned !== undefined && unassigned !== 0) {
    // The domain says this too, in minor units; the form says it in money.
    errors['split.amounts'] =
      unassigned > 0
        ? `${format(unassigned)} is not assigned to anyone yet.`
        : `The parts are ${format(-unassigned)} more than the amount.`;
  } else if (split && typeof amount === 'number') {
    try {
      parts = computeSplit(amount, split);
    } catch (e) {
      // The domain's own messages, the very ones the API would answer with.
      if (!isAppError(e)) throw e;
      for (const f of e.errors ?? [{ path: 'split', message: e.message }]) errors[f.path] ??= sentence(f.message);
    }
  }
  if (parts && !parts.some((p) => p.userId !== me)) errors.split = 'Give a part to at least one member other than you.';

  const ok = Object.keys(errors).length === 0 && split !== undefined && typeof amount === 'number';
  return { body: ok ? { description, amount, split } : undefined, parts, unassigned, errors };
}

const sentence = (m: string) => `${m.charAt(0).toUpperCase()}${m.slice(1)}${m.endsWith('.') ? '' : '.'}`;

function example(exponent: number, decimal: string) {
  return exponent === 0 ? '12' : `12${decimal}${'3456'.slice(0, exponent)}`;
}

/** Minor units, or the message saying why not. */
function readAmount(text: string, exponent: number, decimal: '.' | ',', format: (minor: number) => string): number | string {
  const r = parseTypedAmount(text, exponent, decimal);
  if (!r.ok) {
    if (r.reason === 'empty') return 'Enter the amount.';
    if (r.reason === 'negative') return 'The amount must be more than zero.';
    return exponent === 0
      ? `Enter a whole number, like ${example(0, decimal)}.`
      : `Enter a number like ${example(exponent, decimal)}, with at most ${exponent} decimals.`;
  }
  if (r.minor < 1) return 'The amount must be more than zero.';
  if (r.minor > MAX_AMOUNT) return `The amount can be at most ${format(MAX_AMOUNT)}.`;
  return r.minor;
}

function readSplit(
  draft: Draft,
  memberIds: readonly string[],
  exponent: number,
  decimal: '.' | ',',
  errors: Record<string, string>,
): SplitInput | undefined {
  switch (draft.mode) {
    case 'equal': {
      const among = memberIds.filter((id) => !draft.leftOut[id]);
      if (among.length === 0) {
        errors['split.among'] = 'Choose at least one member.';
        return undefined;
      }
      return { mode: 'equal', among };
    }
    case 'exact': {
      const amounts = readEach(draft.exact, memberIds, 'split.amounts', errors, (t) => {
        const v = parseTypedAmount(t, exponent, decimal);
        return v.ok
          ? v.minor
          : v.reason === 'negative'
            ? 'A part cannot be less than zero.'
            : `Enter an amount like ${example(exponent, decimal)}.`;
      });
      return amounts && { mode: 'exact', amounts };
    }
    case 'percent': {
      // Percent has at most 2 decimals: read it as exact basis points, send it as the number the API takes.
      const bp = readEach(draft.percent, memberIds, 'split.percents', errors, (t) => {
        const v = parseTypedAmount(t, 2, decimal);
        return !v.ok || v.minor > 10_000 ? 'Enter a percent from 0 to 100, at most 2 decimals.' : v.minor;
      });
      return bp && { mode: 'percent', percents: Object.fromEntries(Object.entries(bp).map(([id, v]) => [id, v / 100])) };
    }
    case 'shares': {
      const shares = readEach(
        draft.shares,
        memberIds,
        'split.shares',
        errors,
        (t) => (/^\d{1,7}$/.test(t) && Number(t) <= MAX_SHARES ? Number(t) : `Enter a whole number of shares, up to ${MAX_SHARES}.`),
        DEFAULT_SHARES,
      );
      // No shares means not in the split (the API takes only positive weights).
      return shares && { mode: 'shares', shares: Object.fromEntries(Object.entries(shares).filter(([, v]) => v > 0)) };
    }
    default:
      return draft.mode satisfies never;
  }
}

/** Reads each member's typed value; blank means not in the split. Undefined when any is unreadable or none is given. */
function readEach(
  typed: Readonly<Record<string, string>>,
  memberIds: readonly string[],
  path: string,
  errors: Record<string, string>,
  read: (text: string) => number | string,
  fallback = '',
): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  let bad = false;
  for (const id of memberIds) {
    const t = (typed[id] ?? fallback).trim();
    if (t === '') continue;
    const v = read(t);
    if (typeof v === 'string') {
      errors[`${path}.${id}`] = v;
      bad = true;
    } else {
      out[id] = v;
    }
  }
  if (bad) return undefined;
  if (Object.keys(out).length === 0 || Object.values(out).every((v) => v === 0)) {
    errors[path] = 'Give at least one member a part.';
    return undefined;
  }
  return out;
}

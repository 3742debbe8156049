// Money is always an integer count of a currency's minor unit, so sums and splits are exact.
// The exponent table lives here rather than in Intl: CLDR's "digits" are display advice and
// differ from ISO 4217 for many codes (Intl says 0 for IQD, HUF, IDR, COP, …; ISO says 3 or 2),
// and the ISO value is what the money actually is.

/**
 * ISO 4217 list one: active currency codes → minor-unit exponent.
 * Codes with "N.A." minor units (XAU, XDR, XSU, XUA, …) and the test/no-currency codes
 * (XTS, XXX) are left out: they cannot be counted in minor units.
 * Withdrawn codes (HRK, SLL, ZWL, ANG, …) are left out on purpose so new bills use their successors.
 */
const EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2,
  AFN: 2,
  ALL: 2,
  AMD: 2,
  AOA: 2,
  ARS: 2,
  AUD: 2,
  AWG: 2,
  AZN: 2,
  BAM: 2,
  BBD: 2,
  BDT: 2,
  BGN: 2,
  BHD: 3,
  BIF: 0,
  BMD: 2,
  BND: 2,
  BOB: 2,
  BOV: 2,
  BRL: 2,
  BSD: 2,
  BTN: 2,
  BWP: 2,
  BYN: 2,
  BZD: 2,
  CAD: 2,
  CDF: 2,
  CHE: 2,
  CHF: 2,
  CHW: 2,
  CLF: 4,
  CLP: 0,
  CNY: 2,
  COP: 2,
  COU: 2,
  CRC: 2,
  CUC: 2,
  CUP: 2,
  CVE: 2,
  CZK: 2,
  DJF: 0,
  DKK: 2,
  DOP: 2,
  DZD: 2,
  EGP: 2,
  ERN: 2,
  ETB: 2,
  EUR: 2,
  FJD: 2,
  FKP: 2,
  GBP: 2,
  GEL: 2,
  GHS: 2,
  GIP: 2,
  GMD: 2,
  GNF: 0,
  GTQ: 2,
  GYD: 2,
  HKD: 2,
  HNL: 2,
  HTG: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  IQD: 3,
  IRR: 2,
  ISK: 0,
  JMD: 2,
  JOD: 3,
  JPY: 0,
  KES: 2,
  KGS: 2,
  KHR: 2,
  KMF: 0,
  KPW: 2,
  KRW: 0,
  KWD: 3,
  KYD: 2,
  KZT: 2,
  LAK: 2,
  LBP: 2,
  LKR: 2,
  LRD: 2,
  LSL: 2,
  LYD: 3,
  MAD: 2,
  MDL: 2,
  MGA: 2,
  MKD: 2,
  MMK: 2,
  MNT: 2,
  MOP: 2,
  MRU: 2,
  MUR: 2,
  MVR: 2,
  MWK: 2,
  MXN: 2,
  MXV: 2,
  MYR: 2,
  MZN: 2,
  NAD: 2,
  NGN: 2,
  NIO: 2,
  NOK: 2,
  NPR: 2,
  NZD: 2,
  OMR: 3,
  PAB: 2,
  PEN: 2,
  PGK: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  PYG: 0,
  QAR: 2,
  RON: 2,
  RSD: 2,
  RUB: 2,
  RWF: 0,
  SAR: 2,
  SBD: 2,
  SCR: 2,
  SDG: 2,
  SEK: 2,
  SGD: 2,
  SHP: 2,
  SLE: 2,
  SOS: 2,
  SRD: 2,
  SSP: 2,
  STN: 2,
  SVC: 2,
  SYP: 2,
  SZL: 2,
  THB: 2,
  TJS: 2,
  TMT: 2,
  TND: 3,
  TOP: 2,
  TRY: 2,
  TTD: 2,
  TWD: 2,
  TZS: 2,
  UAH: 2,
  UGX: 0,
  USD: 2,
  USN: 2,
  UYI: 0,
  UYU: 2,
  UYW: 4,
  UZS: 2,
  VED: 2,
  VES: 2,
  VND: 0,
  VUV: 0,
  WST: 2,
  XAF: 0,
  XCD: 2,
  XCG: 2,
  XOF: 0,
  XPF: 0,
  YER: 2,
  ZAR: 2,
  ZMW: 2,
  ZWG: 2,
});

export const CURRENCY_CODES: readonly string[] = Object.freeze(Object.keys(EXPONENTS).sort());

/** Case-sensitive on purpose: ISO 4217 alphabetic codes are upper case, and one spelling keeps stored data comparable. */
export function currencyExponent(code: string): number | undefined {
  return Object.hasOwn(EXPONENTS, code) ? EXPONENTS[code] : undefined;
}

export function isCurrencyCode(code: string): boolean {
  return currencyExponent(code) !== undefined;
}

/** 10^12 minor units: far above any shared bill, and far enough below 2^53 that sums of many stay exact. */
export const MAX_AMOUNT = 1_000_000_000_000;

/**
 * The most a group's unpaid debts may add up to: 10^15 minor units (a thousand bills of MAX_AMOUNT). Every
 * number the balances compute is bounded by it: a pair's total, a member's net (|net| is at most the sum of
 * the pairs the member is in) and each settlement (at most the largest net). Number.MAX_SAFE_INTEGER is
 * 9.007 × 10^15, so the headroom (eight thousand bills of MAX_AMOUNT) also absorbs what concurrent writers
 * can add past a check each of them passed (PostgreSQL runs bills side by side under read committed).
 */
export const MAX_GROUP_DEBT = 1_000_000_000_000_000;

export function isAmount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= MAX_AMOUNT;
}

function checkExponent(exponent: number): void {
  // A bad exponent is a programming error, not user input, so it is not a validation AppError.
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 4) {
    throw new RangeError(`exponent must be an integer 0..4, got ${exponent}`);
  }
}

// Strict on purpose: no grouping separators, signs or exponents, because each of those is
// locale-dependent or ambiguous ("1,234" is 1.234 in much of Europe).
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses user-typed "12.34" into minor units with string/BigInt arithmetic, never floats,
 * so "0.29" is exactly 29 and not 28.999…. Returns undefined for anything it cannot read
 * exactly, including more fraction digits than the currency has (we never round silently).
 * The 1..MAX_AMOUNT range is left to isAmount; "0" parses to 0.
 */
export function parseDecimalAmount(text: string, exponent: number): number | undefined {
  checkExponent(exponent);
  if (typeof text !== 'string' || text.length > 40) return undefined;
  const m = DECIMAL.exec(text);
  if (m === null) return undefined;
  const fraction = m[2] ?? '';
  if (fraction.length > exponent) return undefined;
  const minor = BigInt(m[1] + fraction.padEnd(exponent, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(minor);
}

/** Plain decimal for an amount in minor units: 1234 with exponent 2 → "12.34". No symbol, no grouping. */
export function formatMinor(amount: number, exponent: number): string {
  checkExponent(exponent);
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be a safe integer, got ${amount}`);
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount));
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

export type TypedAmount = { ok: true; minor: number } | { ok: false; reason: 'empty' | 'negative' | 'format' | 'decimals' };

// Spaces people and locales put between digit groups: space, no-break space (fr), narrow no-break space
// (fr since CLDR 34), thin space, and the apostrophes of de-CH.
const GROUP_SPACES = /[\u0020\u00a0\u202f\u2009'\u2019]/g;
const DIGITS = /^\d+$/;
const GROUPED = /^\d{1,3}(?:[.,]\d{3})+$/;

/**
 * Reads an amount as people type it — "12,50", "1,234.56", "1.234,56", "1 234,5", "€ " not included — into
 * minor units, with the same string arithmetic as parseDecimalAmount (never floats).
 *
 * `decimal` is the reader's locale decimal separator ('.' or ','). Both separators are read where the text
 * leaves no doubt: with both present the last one is the decimal; a separator that appears more than once
 * groups digits; one separator followed by other than exactly three digits is the decimal ("12,50" is
 * 12.50 anywhere). Only "1,234" / "1.234" is ambiguous, and there the reader's locale decides. Grouping must
 * be well formed (groups of three), so "1,23,4" is refused rather than guessed.
 */
export function parseTypedAmount(text: string, exponent: number, decimal: '.' | ',' = '.'): TypedAmount {
  checkExponent(exponent);
  if (typeof text !== 'string' || text.length > 60) return { ok: false, reason: 'format' };
  let t = text.trim();
  if (t === '') return { ok: false, reason: 'empty' };
  if (/^[-\u2212]/.test(t)) return { ok: false, reason: 'negative' };
  if (t.startsWith('+')) t = t.slice(1);
  // Spaces only between digits count as grouping ("1 234"); "12 . 5" stays unreadable.
  if (/\d[\u0020\u00a0\u202f\u2009'\u2019]\d{3}(?!\d)/.test(t)) t = t.replace(GROUP_SPACES, '');
  if (t.startsWith('.') || t.startsWith(',')) t = `0${t}`;
  const dots = t.split('.').length - 1;
  const commas = t.split(',').length - 1;
  let whole: string;
  let fraction = '';
  if (dots === 0 && commas === 0) {
    whole = t;
  } else if (dots > 0 && commas > 0) {
    const point = Math.max(t.lastIndexOf('.'), t.lastIndexOf(','));
    const mark = t[point];
    if ((mark === '.' ? dots : commas) !== 1) return { ok: false, reason: 'format' };
    whole = t.slice(0, point);
    fraction = t.slice(point + 1);
    if (!GROUPED.test(whole) || whole.includes(mark)) return { ok: false, reason: 'format' };
    whole = whole.replace(/[.,]/g, '');
  } else {
    const mark = dots > 0 ? '.' : ',';
    const count = dots + commas;
    const after = t.slice(t.lastIndexOf(mark) + 1);
    const grouping = count > 1 || (after.length === 3 && mark !== decimal);
    if (grouping) {
      if (!GROUPED.test(t)) return { ok: false, reason: 'format' };
      whole = t.replace(/[.,]/g, '');
    } else {
      whole = t.slice(0, t.indexOf(mark));
      fraction = after;
    }
  }
  if (!DIGITS.test(whole) || (fraction !== '' && !DIGITS.test(fraction))) return { ok: false, reason: 'format' };
  if (fraction.length > exponent) return { ok: false, reason: 'decimals' };
  const minor = parseDecimalAmount(fraction === '' ? whole : `${whole}.${fraction}`, exponent);
  return minor === undefined ? { ok: false, reason: 'format' } : { ok: true, minor };
}

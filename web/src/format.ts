// Amounts and dates for the reader's locale (Intl). Amounts stay integers in minor units until here.
import { currencyExponent, formatMinor } from '../../src/domain/money.ts';

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function exponentOf(currency: string): number {
  return currencyExponent(currency) ?? 2;
}

/** 3333 USD → "$33.33". The ISO 4217 exponent decides the digits (CLDR's differ for some codes). */
export function money(amount: number, currency: string): string {
  const exponent = exponentOf(currency);
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    moneyFormats.set(currency, format);
  }
  // A decimal string, never amount / 10 ** exponent: Intl formats numeric strings exactly (ECMA-402, NumberFormat v3).
  return format.format(formatMinor(amount, exponent) as `${number}`);
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export const dateTime = (iso: string) => dateTimeFormat.format(new Date(iso));
export const date = (iso: string) => dateFormat.format(new Date(iso));

/** The reader's decimal separator ('.' or ','), which reads the one ambiguous typed amount, "1,234". */
export const decimalSeparator: '.' | ',' =
  new Intl.NumberFormat().formatToParts(1.5).find((p) => p.type === 'decimal')?.value === ',' ? ',' : '.';

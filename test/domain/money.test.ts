import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CURRENCY_CODES,
  MAX_AMOUNT,
  currencyExponent,
  formatMinor,
  isAmount,
  isCurrencyCode,
  parseDecimalAmount,
} from '../../src/domain/money.ts';

test('ISO 4217 exponents, including where CLDR disagrees', () => {
  const expected: Record<string, number> = {
    USD: 2,
    EUR: 2,
    GBP: 2,
    JPY: 0,
    KRW: 0,
    ISK: 0,
    VND: 0,
    CLP: 0,
    XAF: 0,
    XOF: 0,
    XPF: 0,
    UYI: 0,
    KWD: 3,
    BHD: 3,
    JOD: 3,
    OMR: 3,
    TND: 3,
    LYD: 3,
    IQD: 3,
    CLF: 4,
    UYW: 4,
    HUF: 2,
    IDR: 2,
    COP: 2,
  };
  for (const [code, exp] of Object.entries(expected)) assert.equal(currencyExponent(code), exp, code);
});

test('unknown, lower-case, withdrawn and non-monetary codes are not currencies', () => {
  for (const code of ['usd', 'Usd', 'XAU', 'XDR', 'XTS', 'XXX', 'HRK', 'ABC', '', 'USDX', 'toString', '__proto__']) {
    assert.equal(isCurrencyCode(code), false, code);
    assert.equal(currencyExponent(code), undefined, code);
  }
  assert.equal(isCurrencyCode('USD'), true);
});

test('CURRENCY_CODES is sorted, unique, three upper-case letters, and all known', () => {
  assert.ok(CURRENCY_CODES.length > 150);
  assert.deepEqual([...CURRENCY_CODES].sort(), CURRENCY_CODES);
  assert.equal(new Set(CURRENCY_CODES).size, CURRENCY_CODES.length);
  for (const c of CURRENCY_CODES) {
    assert.match(c, /^[A-Z]{3}$/);
    assert.ok([0, 2, 3, 4].includes(currencyExponent(c) as number), c);
  }
});

test('isAmount accepts safe integers 1..10^12 only', () => {
  for (const ok of [1, 42, MAX_AMOUNT]) assert.equal(isAmount(ok), true, String(ok));
  for (const bad of [0, -1, 1.5, MAX_AMOUNT + 1, NaN, Infinity, '5', null, undefined, 5n]) {
    assert.equal(isAmount(bad), false, String(bad));
  }
});

test('parseDecimalAmount reads exact minor units', () => {
  const cases: [string, number, number][] = [
    ['12.34', 2, 1234],
    ['12', 2, 1200],
    ['12.3', 2, 1230],
    ['0.05', 2, 5],
    ['0.29', 2, 29],
    ['0', 2, 0],
    ['007', 0, 7],
    ['1000', 0, 1000],
    ['1.234', 3, 1234],
    ['0.0001', 4, 1],
    ['10000000000', 2, 1_000_000_000_000],
  ];
  for (const [text, exp, minor] of cases) assert.equal(parseDecimalAmount(text, exp), minor, text);
});

test('parseDecimalAmount rejects anything not strictly digits[.digits]', () => {
  const bad: [string, number][] = [
    ['', 2],
    ['.', 2],
    ['.5', 2],
    ['12.', 2],
    ['12.345', 2],
    ['1.0', 0],
    ['-1', 2],
    ['+1', 2],
    ['1e3', 2],
    ['1,234.56', 2],
    ['1 234', 2],
    [' 12', 2],
    ['12 ', 2],
    ['1.2.3', 2],
    ['abc', 2],
    ['0x10', 2],
    ['١٢', 0],
    ['Infinity', 2],
    ['NaN', 2],
    ['99999999999999999', 2],
  ];
  for (const [text, exp] of bad) assert.equal(parseDecimalAmount(text, exp), undefined, JSON.stringify(text));
});

test('formatMinor', () => {
  assert.equal(formatMinor(1234, 2), '12.34');
  assert.equal(formatMinor(5, 2), '0.05');
  assert.equal(formatMinor(0, 2), '0.00');
  assert.equal(formatMinor(-5, 2), '-0.05');
  assert.equal(formatMinor(-1234, 3), '-1.234');
  assert.equal(formatMinor(500, 0), '500');
  assert.equal(formatMinor(1, 4), '0.0001');
  assert.equal(formatMinor(1_000_000_000_000, 2), '10000000000.00');
  assert.throws(() => formatMinor(1.5, 2), RangeError);
  assert.throws(() => formatMinor(1, 5), RangeError);
});

const exponent = fc.constantFrom(0, 2, 3, 4);

test('property: parseDecimalAmount(formatMinor(x, e), e) === x', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), exponent, (x, e) => {
      assert.equal(parseDecimalAmount(formatMinor(x, e), e), x);
    }),
  );
});

test('property: whole.fraction parses to whole × 10^e + fraction', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 ** 8 }), exponent, fc.integer({ min: 0, max: 4 }), fc.nat(), (whole, e, d, raw) => {
      const digits = Math.min(d, e);
      const fraction = raw % 10 ** digits;
      const text = digits === 0 ? String(whole) : `${whole}.${String(fraction).padStart(digits, '0')}`;
      assert.equal(parseDecimalAmount(text, e), whole * 10 ** e + fraction * 10 ** (e - digits));
    }),
  );
});

test('property: a negative amount formats as "-" + its absolute value', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX_AMOUNT }), exponent, (x, e) => {
      assert.equal(formatMinor(-x, e), `-${formatMinor(x, e)}`);
    }),
  );
});

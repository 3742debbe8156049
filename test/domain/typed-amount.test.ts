// Amounts as people type them (parseTypedAmount): both separators where unambiguous, the reader's locale
// where "1,234" could be either, never floating point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_AMOUNT, formatMinor, parseTypedAmount } from '../../src/domain/money.ts';

const minor = (text: string, exponent = 2, decimal: '.' | ',' = '.') => {
  const r = parseTypedAmount(text, exponent, decimal);
  return r.ok ? r.minor : r.reason;
};

test('the forms people type, in either locale', () => {
  for (const decimal of ['.', ','] as const) {
    assert.equal(minor('12,50', 2, decimal), 1250, `12,50 (${decimal})`);
    assert.equal(minor('12.50', 2, decimal), 1250);
    assert.equal(minor('1,234.56', 2, decimal), 123456);
    assert.equal(minor('1.234,56', 2, decimal), 123456);
    assert.equal(minor('1,000.00', 2, decimal), 100000);
    assert.equal(minor('1 234,5', 2, decimal), 123450);
    assert.equal(minor('1\u202f234,56', 2, decimal), 123456);
    assert.equal(minor("1'234.56", 2, decimal), 123456);
    assert.equal(minor('1,234,567', 2, decimal), 123456700);
    assert.equal(minor(',5', 2, decimal), 50);
    assert.equal(minor('  7 ', 2, decimal), 700);
    assert.equal(minor('-5', 2, decimal), 'negative');
    assert.equal(minor('\u22125', 2, decimal), 'negative');
    assert.equal(minor('', 2, decimal), 'empty');
    assert.equal(minor('12.345,6', 2, decimal), 1234560);
    assert.equal(minor('1.23,4', 2, decimal), 'format', 'a group of two');
    assert.equal(minor('1,23,4', 2, decimal), 'format');
    assert.equal(minor('1.2.3,4', 2, decimal), 'format');
    assert.equal(minor('12.5.', 2, decimal), 'format');
    assert.equal(minor('1e3', 2, decimal), 'format');
    assert.equal(minor('12 . 5', 2, decimal), 'format');
    assert.equal(minor('0x10', 2, decimal), 'format');
    assert.equal(minor('12,505', 0, decimal), decimal === ',' ? 'decimals' : 12505);
  }
  // Only "1,234" is ambiguous: the reader's locale decides.
  assert.equal(minor('1,234', 2, '.'), 123400);
  assert.equal(minor('1,234', 2, ','), 'decimals');
  assert.equal(minor('1.234', 2, ','), 123400);
  assert.equal(minor('1.234', 2, '.'), 'decimals');
  assert.equal(minor('1.234', 3, '.'), 1234);
  assert.equal(minor('12.345', 2, '.'), 'decimals');
});

const LOCALES = [
  ['en-US', '.'],
  ['de-DE', ','],
  ['fr-FR', ','],
  ['de-CH', '.'],
  ['en-IE', '.'],
  ['es-ES', ','],
] as const;

test('property: whatever Intl writes for a locale reads back exactly in that locale', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MAX_AMOUNT }),
      fc.integer({ min: 0, max: 4 }),
      fc.constantFrom(...LOCALES),
      fc.boolean(),
      (m, exponent, [locale, decimal], grouping) => {
        // A decimal string into Intl, never m / 10 ** exponent: the formatting is exact too.
        const text = new Intl.NumberFormat(locale, {
          minimumFractionDigits: exponent,
          maximumFractionDigits: exponent,
          useGrouping: grouping,
        }).format(formatMinor(m, exponent) as `${number}`);
        const r = parseTypedAmount(text, exponent, decimal);
        assert.deepEqual(r, { ok: true, minor: m }, `${text} in ${locale}`);
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: the plain decimal reads back in any locale, even past 2^53 / 100 where floats would round', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MAX_AMOUNT }),
      fc.integer({ min: 0, max: 4 }),
      fc.constantFrom('.', ','),
      (m, exponent, decimal) => {
        const plain = formatMinor(m, exponent);
        const fraction = plain.split('.')[1] ?? '';
        // A plain "1.234" is the one ambiguous form; anything else must read exactly.
        fc.pre(!(fraction.length === 3 && decimal === ','));
        assert.deepEqual(parseTypedAmount(plain, exponent, decimal), { ok: true, minor: m });
        assert.deepEqual(parseTypedAmount(plain.replace('.', ','), exponent, decimal).ok || fraction.length === 3, true);
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: any text gives an exact safe integer or a reason, never a throw; a leading minus is "negative"', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(..."0123456789.,- \u00a0'e+".split('')), maxLength: 24 }),
      fc.integer({ min: 0, max: 4 }),
      fc.constantFrom('.', ','),
      (text, exponent, decimal) => {
        const r = parseTypedAmount(text, exponent, decimal);
        if (r.ok) {
          assert.ok(Number.isSafeInteger(r.minor) && r.minor >= 0, text);
          assert.ok(!/^\s*-/.test(text), text);
        } else if (/^\s*-/.test(text)) {
          assert.equal(r.reason, 'negative', text);
        }
      },
    ),
    { numRuns: 5000 },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalEmail, lookupSpellings } from '../../src/domain/email.ts';

const canon = (s: string) => {
  const v = canonicalEmail(s);
  return v.ok ? v.email : undefined;
};
const refusal = (s: string) => {
  const v = canonicalEmail(s);
  return v.ok ? undefined : v.message;
};

// Plain addresses: ASCII letters, digits and . _ + - in the local part; lower-case labels in the domain.
const localChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-'.split(''));
const label = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 1, maxLength: 12 });
const plainEmail = fc
  .tuple(fc.string({ unit: localChar, minLength: 1, maxLength: 20 }), fc.array(label, { minLength: 1, maxLength: 3 }), label)
  .map(([local, labels, tld]) => `${local}@${[...labels, tld].join('.')}`);

const FORMAT_CHARS = [
  '\u00AD',
  '\u200B',
  '\u200C',
  '\u200D',
  '\u200E',
  '\u200F',
  '\u2060',
  '\u2066',
  '\u202E',
  '\uFEFF',
  '\u061C',
  '\u{E0001}',
];
const fullwidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

test('a plain address is kept as typed (only trimmed), and canonical forms are fixed points', () => {
  fc.assert(
    fc.property(plainEmail, (e) => {
      assert.equal(canon(`  ${e}\t`), e);
      assert.equal(canon(canon(e)!), e);
      assert.deepEqual(lookupSpellings(e), [e]);
    }),
  );
});

test('NFD, NFC and NFKC spellings are one address, stored precomposed', () => {
  const nfc = 'jos\u00E9.m\u00FCller@caf\u00E9.example';
  for (const form of ['NFC', 'NFD', 'NFKC', 'NFKD'] as const) assert.equal(canon(nfc.normalize(form)), nfc, form);
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.constantFrom('a', 'e', 'o', '\u00E9', 'e\u0301', '\u00F6', 'o\u0308', '\u00C5', 'A\u030A', '\u212B'),
        minLength: 1,
        maxLength: 12,
      }),
      (local) => {
        const a = canon(`${local}@example.test`);
        assert.ok(a, local);
        assert.equal(canon(`${local.normalize('NFD')}@example.test`), a);
        assert.equal(a, a.normalize('NFC'));
      },
    ),
  );
});

test('fullwidth letters, digits and signs are the plain address (NFKC)', () => {
  assert.equal(canon('\uFF43\uFF41\uFF52\uFF4F\uFF4C@example.test'), 'carol@example.test');
  assert.equal(canon('carol\uFF20example\uFF0Etest'), 'carol@example.test', 'fullwidth @ and full stop');
  assert.equal(canon('carol@example\u3002test'), 'carol@example.test', 'ideographic full stop in the domain (UTS #46)');
  fc.assert(fc.property(plainEmail, (e) => assert.equal(canon(fullwidth(e)), e)));
  assert.deepEqual(lookupSpellings('\uFF43arol@example.test'), ['carol@example.test', '\uFF43arol@example.test'], 'then the old spelling');
});

test('a format character anywhere is refused, named by its code point', () => {
  assert.equal(refusal('car\u200Bol@example.test'), 'contains an invisible formatting character (U+200B)');
  assert.equal(refusal('car\u00ADol@example.test'), 'contains an invisible formatting character (U+00AD)');
  fc.assert(
    fc.property(plainEmail, fc.constantFrom(...FORMAT_CHARS), fc.nat(), (e, cf, at) => {
      const i = at % (e.length + 1);
      assert.match(refusal(e.slice(0, i) + cf + e.slice(i)) ?? 'accepted', /invisible formatting character/);
      assert.deepEqual(lookupSpellings(e.slice(0, i) + cf + e.slice(i)), [e.slice(0, i) + cf + e.slice(i)], 'looked up only as given');
    }),
  );
});

test('a trailing dot or an empty label in the domain is refused', () => {
  assert.equal(refusal('carol@example.test.'), 'must not end with a dot');
  assert.equal(refusal('carol@example.test\uFF0E'), 'must not end with a dot');
  assert.equal(refusal('carol@example.test\u3002'), 'must not end with a dot');
  assert.match(refusal('carol@example..test') ?? '', /empty part/);
  assert.match(refusal('carol@.example.test') ?? '', /empty part/);
  fc.assert(fc.property(plainEmail, (e) => assert.equal(refusal(`${e}.`), 'must not end with a dot')));
});

test('anything but one @ between a local part and a domain is refused, also after normalizing', () => {
  for (const bad of ['carol', '@example.test', 'carol@', 'a@b@c', 'a\uFF20b@c', 'a@b\uFE6Bc'])
    assert.match(refusal(bad) ?? 'accepted', /one @/, bad);
});

test('Latin mixed with Cyrillic, Greek, Armenian or Cherokee look-alikes in one part is refused', () => {
  assert.equal(refusal('c\u0430rol@example.test'), 'mixes Latin and Cyrillic letters before the @, which can imitate another address');
  assert.match(refusal('carol@ex\u0430mple.test') ?? '', /Latin and Cyrillic letters in the domain part "ex\u0430mple"/);
  assert.match(refusal('car\u03BFl@example.test') ?? '', /Latin and Greek/);
  assert.match(refusal('carol\u0585@example.test') ?? '', /Latin and Armenian/);
  // A confusable swapped for any one Latin letter of a plain address.
  const swaps: Record<string, string> = {
    a: '\u0430',
    c: '\u0441',
    e: '\u0435',
    o: '\u043E',
    p: '\u0440',
    x: '\u0445',
    y: '\u0443',
    i: '\u0456',
  };
  fc.assert(
    fc.property(plainEmail, fc.nat(), (e, n) => {
      const at = e.indexOf('@');
      const local = e.slice(0, at);
      const spots = [...local].map((c, i) => (swaps[c] ? i : -1)).filter((i) => i >= 0);
      if (spots.length === 0) return;
      const i = spots[n % spots.length]!;
      const swapped = local.slice(0, i) + swaps[local[i]!] + local.slice(i + 1);
      if (!/[A-Za-z]/.test(swapped)) return; // wholly Cyrillic now: a different address (documented)
      assert.match(refusal(swapped + e.slice(at)) ?? 'accepted', /mixes Latin and Cyrillic/, swapped);
    }),
  );
});

test('one script per part passes, and Latin with Han or Kana is not a look-alike mix', () => {
  for (const ok of [
    '\u0438\u0432\u0430\u043D@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444',
    '\u03B1\u03BB\u03C6\u03B1@example.gr',
    'tanaka\u592A\u90CE@example.jp',
    '\u3072\u308D\u3057@example.jp',
    'ivan@\u043F\u0440\u0438\u043C\u0435\u0440.com',
    'o\u2019brien@example.ie',
    'user+tag@example.test',
  ]) {
    assert.equal(canon(ok), ok.normalize('NFKC'), ok);
  }
});

test('case is kept as typed; the store compares lower-cased (users.email_key)', () => {
  assert.equal(canon('Carol@Example.TEST'), 'Carol@Example.TEST');
  fc.assert(fc.property(plainEmail, (e) => assert.equal(canon(e.toUpperCase())!.toLowerCase(), canon(e)!.toLowerCase())));
});

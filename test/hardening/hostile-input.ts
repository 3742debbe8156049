// Arbitraries for hostile input. Values are JSON *text* fragments, not JS values, so a case can hold
// what JSON.stringify would never write: 1e400, keys named __proto__, nesting 20,000 deep, lone
// surrogates. Every "bad" arbitrary here is invalid by construction for the field it is meant for, so a
// request built from it must be refused whatever else it contains.
import fc from 'fast-check';

export type Frag = string;
export type Entries = [key: string, value: Frag][];

export const text = (v: unknown): Frag => JSON.stringify(v);
export const objectText = (entries: Entries): string => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

const codePoints = (s: string) => [...s].length;

/** Nesting deep enough to blow a recursive parser or validator (the body limit caps it at ~64 KiB). */
export const deepNesting: fc.Arbitrary<Frag> = fc
  .record({ depth: fc.integer({ min: 64, max: 20_000 }), kind: fc.constantFrom('array', 'object') })
  .map(({ depth, kind }) => (kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** Number literals JSON.parse turns into something odd: Infinity, 0 from underflow, -0, beyond 2^53. */
export const oddNumbers: fc.Arbitrary<Frag> = fc.constantFrom(
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '123456789012345678901234567890',
  '9007199254740993',
  '0.1',
  '-1',
);

/** Strings with C0/C1 controls, lone surrogates, bidi overrides, markup and SQL: the usual suspects. */
export const nastyStrings: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    '\u001b[31mred',
    '\ud800',
    'a\udfffb',
    '\u202eevil',
    '\ufeff',
    '<script>alert(1)</script>',
    "'; DROP TABLE users;--",
    '\r\n',
    '%00',
    '../..',
    '{{7*7}}',
  ),
);

/** Any JSON value as text, including deep and odd ones. */
export const anyJson: fc.Arbitrary<Frag> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(text) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: oddNumbers },
  { weight: 1, arbitrary: nastyStrings.map(text) },
);

const kindOf = (frag: Frag) => {
  const v: unknown = JSON.parse(frag);
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
};
export const notString = anyJson.filter((f) => kindOf(f) !== 'string');
export const notNumber = anyJson.filter((f) => kindOf(f) !== 'number');
export const notObject = anyJson.filter((f) => kindOf(f) !== 'object');

/** A control character (C0, DEL or C1) somewhere in an otherwise ordinary string. */
export const withControl: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ maxLength: 10 }),
    fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })),
    fc.string({ maxLength: 10 }),
  )
  .map(([a, c, b]) => `x${a}${String.fromCharCode(c)}${b}`);

/** A lone (unpaired) surrogate, which UTF-8 cannot encode: storing it would silently change the text. */
export const withLoneSurrogate: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 10 }))
  .map(([a, c, b]) => `x${a}${String.fromCharCode(c)}!${b}`);

/** Longer than `max` code points, from any part of Unicode. */
export const tooLong = (max: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.integer({ min: 1, max: 300 }), fc.constantFrom('x', 'é', '😀', '字'))
    .map(([s, extra, pad]) => s + pad.repeat(max + extra))
    .filter((s) => codePoints(s) > max);

const spaces = fc.array(fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000'), { maxLength: 6 }).map((a) => a.join(''));

/** Bad values for a required, single-line text field of 1..max characters that must contain a non-space. */
export const badText = (max: number): fc.Arbitrary<Frag> =>
  fc.oneof(notString, fc.constant(text('')), spaces.map(text), tooLong(max).map(text), withControl.map(text), withLoneSurrogate.map(text));

export const badEmail: fc.Arbitrary<Frag> = fc.oneof(
  notString,
  fc
    .string({ maxLength: 30 })
    .filter((s) => !s.includes('@'))
    .map(text),
  fc
    .tuple(
      fc.string({ maxLength: 8 }),
      spaces.filter((s) => s.length > 0),
      fc.string({ maxLength: 8 }),
    )
    .map(([a, s, b]) => text(`${a}${s}@${b}x`)),
  fc.constantFrom('a@b@c', '@example.test', 'ann@', '@').map(text),
  tooLong(254).map((s) => text(`${s}@example.test`)),
  withControl.map((s) => text(`${s}@example.test`)),
  withLoneSurrogate.map((s) => text(`${s}@example.test`)),
);

/** Anything but an object with exactly the fields given, for bodies the route takes whole. */
export const extraKey = (taken: string[]): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'NaN'),
      nastyStrings,
      fc.string({ maxLength: 12 }),
    )
    .filter((k) => !taken.includes(k));

/** Broken JSON: a proper prefix of a valid object text is never valid JSON, and neither are these. */
export const invalidJson = (valid: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.integer({ min: 1, max: Math.max(1, valid.length - 1) }).map((i) => valid.slice(0, i)),
    fc.constantFrom(
      '{',
      '}',
      "{'a':1}",
      '{"a":1,}',
      '{"a":undefined}',
      'NaN',
      '{"a":01}',
      '{"a":"\\x"}',
      '{"a":1}garbage',
      '[1,2',
      '\u0000',
      '{"a":"\u0001"}',
      '{a:1}',
      '--',
      'nul',
    ),
  );

/** Media types this API never parses as JSON (text/plain is parsed as a string, so it fails the schema). */
export const wrongContentType: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'text/plain',
    'text/html',
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/octet-stream',
    'application/jsonx',
    'application/json-seq',
    'image/png',
    'application/problem+json',
  ),
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9.+-]{1,12}$/))
    .map(([t, s]) => `${t}/${s}`)
    .filter((t) => t !== 'application/json' && t !== 'text/plain'),
);

/** Header values fetch can send: printable ASCII and Latin-1 (no CR, LF or NUL). */
export const headerValue: fc.Arbitrary<string> = fc.string({
  unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

/** Harmless extra headers: they must not turn a refused request into an accepted one, nor into a 500. */
export const noiseHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,12}$/), headerValue, {
  maxKeys: 3,
});

/** Authorization values that name no session: malformed schemes and well-formed tokens nobody was given. */
export const badAuthorization: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'bearer  a b',
    'Token abc',
    `Bearer ${'A'.repeat(300)}`,
    'Bearer \u00ff\u00fe',
    'Bearer ../../etc/passwd',
  ),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((t) => `Bearer ${t}`),
  headerValue.map((v) => `Bearer ${v}`),
  headerValue,
);

/** Path segments for ids: unicode, controls, very long, dot segments, and well-formed ids that name nothing. */
export const badId: fc.Arbitrary<string> = fc.oneof(
  nastyStrings.map((s) => encodeURIComponent(s.toWellFormed())),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(s)),
  tooLong(200).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^[0-9a-z]{20}$/),
  fc.constantFrom('', '.', '..', '%2e%2e', '%00', '%ZZ', '%', 'a%2Fb', '%F0%9F', '%C0%AF', '0', '-1', 'null', 'undefined', '%20'),
);

// What counts as one email address here, so that a look-alike spelling can neither make a second account
// beside someone's nor be added to a group in their place. One rule for register, login and add-member:
//
// 1. Trimmed, then NFKC-normalized (UAX #15). NFKC includes NFC, so a decomposed "e + U+0301" and a
//    precomposed "é" are one address (RFC 6532 §3.1 asks for NFC in internationalized mail), and it folds
//    compatibility forms to their plain letters: fullwidth "ｃａｒｏｌ" is "carol", as IDNA's UTS #46
//    mapping treats a domain. The normalized form is what is stored and shown.
// 2. Refused (400): a format character (\p{Cf}: zero-width space, soft hyphen, joiners, bidi marks),
//    which no one types on purpose and which renders as nothing; a domain ending in a dot or with an
//    empty label (a fully-qualified "example.com." is the same host, RFC 1034 §3.1, so it would be a
//    second spelling of one address); anything but exactly one "@" once normalized.
// 3. Refused (400): a local part or a domain label mixing letters of two of the alphabets that imitate
//    each other (Latin, Greek, Cyrillic, Armenian, Cherokee), e.g. Latin "carol" with a Cyrillic "а":
//    the mixed-script test of UTS #39 §5.1, narrowed to the scripts with Latin look-alikes, so that
//    Latin with Han or Kana (common in Japanese addresses) still passes.
// 4. Compared case-insensitively: the store keys an address by its toLowerCase() (users.email_key).
//
// Not the same address, by design: a local part written wholly in Cyrillic or Greek (a whole-script
// confusable such as "сосо" against "coco") is a different address; dots and "+tags" in the local part
// are significant (RFC 5321 §2.4 leaves the local part to the receiving host).
import { AppError } from './errors.ts';

export type EmailVerdict = { ok: true; email: string } | { ok: false; message: string };

/** A refused address as a 400 naming the field (the message reads after "email"). */
export function refusedEmail(message: string, path = 'email'): AppError {
  return new AppError('validation', `The email ${message}`, [{ path, message }]);
}

/** The canonical form, or a 400 saying what is wrong with the address. */
export function requireCanonicalEmail(input: string): string {
  const verdict = canonicalEmail(input);
  if (!verdict.ok) throw refusedEmail(verdict.message);
  return verdict.email;
}

/** Alphabets with letters that look like each other's (UTS #39 confusables); at most one per part. */
const LOOKALIKE_SCRIPTS: readonly [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
];

const FORMAT_CHAR = /\p{Cf}/u;
// UTS #46 maps these to "." in a domain; NFKC already maps the fullwidth full stop (U+FF0E).
const IDEOGRAPHIC_DOTS = /[\u3002\uFF61]/g;

/** The look-alike scripts a part's letters come from, in LOOKALIKE_SCRIPTS order (so messages are stable). */
function scriptsOf(part: string): string[] {
  const found = new Set<string>();
  for (const ch of part) {
    if (!/\p{L}/u.test(ch)) continue;
    for (const [name, re] of LOOKALIKE_SCRIPTS) if (re.test(ch)) found.add(name);
  }
  return LOOKALIKE_SCRIPTS.map(([name]) => name).filter((name) => found.has(name));
}

function mixed(part: string, where: string): string | undefined {
  const scripts = scriptsOf(part);
  if (scripts.length < 2) return undefined;
  return `mixes ${scripts.join(' and ')} letters ${where}, which can imitate another address`;
}

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Trims Unicode white space only: String.prototype.trim also strips U+FEFF, a format character refused below. */
const trimSpace = (s: string) => s.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');

/** The address in its one stored form, or why it is refused. */
export function canonicalEmail(input: string): EmailVerdict {
  const format = FORMAT_CHAR.exec(input.normalize('NFKC'));
  if (format) return { ok: false, message: `contains an invisible formatting character (${codePoint(format[0])})` };
  const email = trimSpace(input).normalize('NFKC');
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@') || at === email.length - 1)
    return { ok: false, message: 'must be one local part, one @ and a domain' };
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).replace(IDEOGRAPHIC_DOTS, '.');
  if (domain.endsWith('.')) return { ok: false, message: 'must not end with a dot' };
  const labels = domain.split('.');
  if (labels.some((l) => l === '')) return { ok: false, message: 'has an empty part in its domain (two dots in a row, or a leading dot)' };
  const problem = mixed(local, 'before the @') ?? labels.map((l) => mixed(l, `in the domain part "${l}"`)).find((m) => m !== undefined);
  if (problem) return { ok: false, message: problem };
  return { ok: true, email: `${local}@${domain}` };
}

/**
 * The spellings to look an account up by, best first: the canonical form, then the spelling as given
 * (trimmed), for an account registered before this rule whose stored address is not canonical.
 */
export function lookupSpellings(input: string): string[] {
  const given = trimSpace(input);
  const verdict = canonicalEmail(input);
  if (!verdict.ok) return [given];
  return verdict.email === given ? [given] : [verdict.email, given];
}

// The contract's rules for what people type (src/contract/schemas.ts), in sentences written for them. The
// forms check these before sending, give inputs the same maxLength/required, and show the same sentence
// when the server refuses the field anyway (web/src/problem.ts maps a refusal by its path, never its words).

export type TextRule = {
  /** Characters, as JSON Schema counts them (code points). */
  maxLength: number;
  minLength?: number;
  empty: string;
  /** Below minLength. */
  short?: string;
  email?: boolean;
  /** Said when the server refuses the field for a reason the form did not catch. */
  refused: string;
};

const NAME = 100; // schemas.ts: text(100)
const EMAIL = 254; // RFC 5321
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 1024;
const DESCRIPTION = 200; // schemas.ts: CreateBillBody.description text(200)

export const rules = {
  personName: { maxLength: NAME, empty: 'Enter your name.', refused: `Enter your name on one line, at most ${NAME} characters.` },
  groupName: {
    maxLength: NAME,
    empty: 'Give the group a name.',
    refused: `Give the group a name on one line, at most ${NAME} characters.`,
  },
  email: { maxLength: EMAIL, empty: 'Enter your email address.', email: true, refused: "That doesn't look like an email address." },
  memberEmail: {
    maxLength: EMAIL,
    empty: 'Enter the email address they signed up with.',
    email: true,
    refused: "That doesn't look like an email address.",
  },
  newPassword: {
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    empty: 'Choose a password.',
    short: `Use at least ${PASSWORD_MIN} characters.`,
    refused: `Use ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`,
  },
  password: { maxLength: PASSWORD_MAX, empty: 'Enter your password.', refused: 'Enter your password.' },
  description: {
    maxLength: DESCRIPTION,
    empty: 'Say what the bill was for.',
    refused: `Say what the bill was for on one line, at most ${DESCRIPTION} characters.`,
  },
} as const satisfies Record<string, TextRule>;

/** The attributes an input gets from its rule (the browser then stops typing past the limit). */
export const inputRule = (rule: TextRule) => ({
  maxLength: rule.maxLength,
  required: true,
  ...(rule.minLength ? { minLength: rule.minLength } : {}),
});

const codePoints = (s: string) => [...s].length;

/** The message for what was typed, or undefined when the rule is met. */
export function checkText(value: string, rule: TextRule): string | undefined {
  const t = value.trim();
  if (t === '') return rule.empty;
  if (codePoints(value) > rule.maxLength) return `At most ${rule.maxLength} characters (this is ${codePoints(value)}).`;
  if (rule.minLength && codePoints(value) < rule.minLength) return rule.short;
  // Control characters (a pasted tab or line break) and lone surrogates: the contract refuses both.
  if (/[\p{Cc}\p{Cs}]/u.test(value)) return 'Use one line, without tabs or line breaks.';
  if ('email' in rule && rule.email && !/^[^\s@]+@[^\s@]+$/.test(t)) return "That doesn't look like an email address.";
  return undefined;
}

/** Checks several fields at once: only the ones with something to fix are in the answer. */
export function checkAll(checks: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(checks).filter((e): e is [string, string] => e[1] !== undefined));
}

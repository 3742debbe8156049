// API problems (RFC 9457, `code` and `errors: [{path, message}]`) → sentences for people, keyed by form field
// so each shows next to its field. '' is the form itself. The server's `detail` and a validator's own words
// ("must match pattern …") are never shown: a refusal is mapped by its `code`, and a field's by its `path`.
import { ApiError } from '../../src/client/index.ts';

export type FormErrors = Readonly<Record<string, string>>;

export type ProblemWords = {
  /** Where a problem without field errors goes (e.g. a 404 on adding a member goes to the email field). */
  fallback?: string;
  /** Field path → the sentence for any refusal of that field (usually the rule's `refused`). */
  fields?: Readonly<Record<string, string>>;
  /** Problem code → the sentence in this form's context, over the defaults below. */
  codes?: Readonly<Record<string, string>>;
};

/** What each stable code (src/domain/errors.ts) means to a person, wherever it happens. */
const CODE_SENTENCES: Readonly<Record<string, string>> = {
  validation: 'Something in the form needs fixing.',
  unauthenticated: 'You are signed out. Sign in again to continue.',
  bad_credentials: 'Email or password is wrong.',
  forbidden: 'You cannot do that here.',
  cross_origin: 'This page is out of date. Reload it and try again.',
  not_found: 'This no longer exists, or you are no longer a member of its group.',
  email_taken: 'An account with this email already exists. Sign in instead.',
  already_member: 'They are already a member of this group.',
  already_paid: 'This part is already marked paid.',
  not_paid: 'This part is not marked paid.',
  undo_window_passed: 'It is too late to undo this payment. Ask the person who paid the bill to sort it out.',
  bill_has_payments: 'Someone has paid a part of this bill, so it can no longer be deleted.',
  balance_not_settled: 'They still owe or are owed money in this group. Settle up first, then try again.',
  member_pending: 'They have not joined yet, so they cannot confirm a payment. Try again once they join.',
  payment_not_pending: 'This payment was already confirmed or disputed.',
  nothing_owed: 'Nobody owes anything on this bill.',
  reminded_recently: 'They were reminded a short while ago. Try again later.',
  share_paid: 'Someone has already paid their part, so this can no longer change.',
  amount_limit: 'This would take the group’s unpaid debts over the limit. Settle up some bills first.',
  idempotency_in_flight: 'This is still being saved. Wait a moment.',
  payload_too_large: 'That is too long to save.',
  rate_limited: 'That was a lot of tries in a short time. Wait a minute, then try again.',
  unavailable: 'Chipin is busy right now. Try again in a moment.',
  internal: 'Something went wrong on our side. Try again in a moment.',
};

export const OFFLINE = 'Could not reach Chipin, so nothing was saved. Check your connection and try again — what you typed is still here.';
const UNKNOWN = 'Something went wrong. Try again in a moment.';

// A validator's own phrasing (Ajv): fine for a developer, not for a person.
const VALIDATOR_WORDS =
  /\bmust (NOT|match|have|be (>=|<=|>|<|integer|string|number|object|array|boolean|null|equal|multiple))\b|\bpattern\b|^is required$|^is not a known field$|[{}]/;

const sentence = (message: string) => {
  const m = message.trim();
  return `${m.charAt(0).toUpperCase()}${m.slice(1)}${/[.!?]$/.test(m) ? '' : '.'}`;
};

/** True when the request never got an answer (offline, DNS, connection refused): fetch rejects with a TypeError. */
export const isNetworkError = (error: unknown) =>
  !(error instanceof ApiError) && (error instanceof TypeError || (typeof navigator !== 'undefined' && navigator.onLine === false));

/** The sentence for a problem that belongs to no field. */
export function problemSentence(error: unknown, codes: Readonly<Record<string, string>> = {}): string {
  if (isNetworkError(error)) return OFFLINE;
  if (!(error instanceof ApiError)) return UNKNOWN;
  const code = error.problem.code ?? '';
  return codes[code] ?? CODE_SENTENCES[code] ?? (error.status >= 500 ? CODE_SENTENCES.internal : UNKNOWN);
}

/**
 * `fields` are the paths the form shows (e.g. 'description', 'split.amounts.u1'); an error on a deeper path
 * goes to the nearest field above it, anything else to the form. `words` may be a fallback field name (the
 * older form of this call) or ProblemWords.
 */
export function formErrorsOf(error: unknown, fields: readonly string[], words: string | ProblemWords = {}): FormErrors {
  const w: ProblemWords = typeof words === 'string' ? { fallback: words } : words;
  const out: Record<string, string> = {};
  const add = (path: string, message: string) => {
    if (!out[path]?.includes(message)) out[path] = out[path] ? `${out[path]} ${message}` : message;
  };
  const list = error instanceof ApiError ? (error.problem.errors ?? []) : [];
  if (list.length === 0) {
    add(error instanceof ApiError ? (w.fallback ?? '') : '', problemSentence(error, w.codes));
    return out;
  }
  const code = error instanceof ApiError ? (error.problem.code ?? 'validation') : 'validation';
  for (const { path, message } of list) {
    const field = fieldFor(path, fields);
    // A refusal with its own code (already_member, not_found, …) is said by the code; a validation one by the field.
    const byCode = code !== 'validation' ? (w.codes?.[code] ?? CODE_SENTENCES[code]) : undefined;
    const known = byCode ?? w.fields?.[field] ?? w.fields?.[path];
    // The domain's own messages are written for people ("Percents add up to 96.66, not 100"); a validator's are not.
    add(
      field,
      known ?? (VALIDATOR_WORDS.test(message) ? (field === '' ? CODE_SENTENCES.validation : 'Check this value.') : sentence(message)),
    );
  }
  return out;
}

function fieldFor(path: string, fields: readonly string[]): string {
  let best = '';
  for (const f of fields) {
    if ((path === f || path.startsWith(`${f}.`)) && f.length > best.length) best = f;
  }
  return best;
}

export const isUnauthenticated = (error: unknown) => error instanceof ApiError && error.status === 401;

/** After a refused submit: focus the first field in error (its message is read with it), else the form's message. */
export function focusFirstError(form: HTMLElement | null) {
  // A task, not requestAnimationFrame: rendering the messages comes first, and a page in a background tab
  // gets no animation frames at all.
  setTimeout(() => {
    const target = form?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form?.querySelector<HTMLElement>('.form-error');
    if (target && !target.matches('input, select, textarea, button')) target.tabIndex = -1;
    target?.focus();
  }, 0);
}

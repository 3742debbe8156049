// API problems (RFC 9457, `errors: [{path, message}]`) → messages keyed by form field, so each shows
// next to its field. '' is the form itself.
import { ApiError } from '../../src/client/index.ts';

export type FormErrors = Readonly<Record<string, string>>;

const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1);

/**
 * `fields` are the paths the form shows (e.g. 'description', 'split.amounts.u1'); an error on a deeper
 * path goes to the nearest field above it, anything else to the form. A problem without field errors
 * goes to `fallback` (e.g. a 404 "No user has this email" to the email field).
 */
export function formErrorsOf(error: unknown, fields: readonly string[], fallback = ''): FormErrors {
  const out: Record<string, string> = {};
  const add = (path: string, message: string) => {
    out[path] = out[path] ? `${out[path]} ${sentence(message)}.` : `${sentence(message)}.`;
  };
  if (!(error instanceof ApiError)) {
    add('', error instanceof Error && error.message ? error.message : 'Something went wrong');
    return out;
  }
  const list = error.problem.errors ?? [];
  if (list.length === 0) add(fallback, error.problem.detail || error.problem.title);
  for (const { path, message } of list) add(fieldFor(path, fields), message);
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

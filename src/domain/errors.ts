// One catalog of every error Chipin returns: a stable code, its HTTP status and a title.
// The HTTP layer turns an AppError into RFC 9457 problem details; nothing else picks statuses.

export type FieldError = { path: string; message: string };

export const errorCatalog = {
  validation: { status: 400, title: 'The request is not valid' },
  unauthenticated: { status: 401, title: 'Not signed in' },
  bad_credentials: { status: 401, title: 'Email or password is wrong' },
  forbidden: { status: 403, title: 'Not allowed' },
  cross_origin: { status: 403, title: 'Cross-origin request refused' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  request_timeout: { status: 408, title: 'Request timeout' },
  email_taken: { status: 409, title: 'Email already registered' },
  already_member: { status: 409, title: 'Already a member' },
  already_paid: { status: 409, title: 'Already paid' },
  not_paid: { status: 409, title: 'Not paid' },
  undo_window_passed: { status: 409, title: 'Too late to undo' },
  bill_has_payments: { status: 409, title: 'Bill has payments' },
  amount_limit: { status: 409, title: 'Amount limit reached' },
  share_paid: { status: 409, title: 'A paid part cannot change' },
  payment_not_pending: { status: 409, title: 'The payment is no longer pending' },
  nothing_owed: { status: 409, title: 'Nobody owes on this bill' },
  balance_not_settled: { status: 409, title: 'Balance not settled' },
  member_pending: { status: 409, title: 'The member has not joined yet' },
  idempotency_in_flight: { status: 409, title: 'A request with this Idempotency-Key is still in flight' },
  precondition_failed: { status: 412, title: 'The resource changed meanwhile' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  upgrade_required: { status: 426, title: 'Upgrade required' },
  precondition_required: { status: 428, title: 'If-Match required' },
  idempotency_mismatch: { status: 422, title: 'Idempotency-Key reused with a different request' },
  rate_limited: { status: 429, title: 'Too many requests' },
  reminded_recently: { status: 429, title: 'Reminded recently' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  /** Extra response headers, e.g. Retry-After for rate_limited. */
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, detail?: string, errors?: FieldError[], headers?: Record<string, string>) {
    super(detail ?? errorCatalog[code].title);
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.errors = errors;
    this.headers = headers;
  }
}

/** Shorthand for a 400 with one or more field errors. */
export function invalid(path: string, message: string): AppError {
  return new AppError('validation', message, [{ path, message }]);
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

// The one place that tells "the database is unavailable" from "this statement failed". A lost or refused
// connection (a PostgreSQL restart, a failover, pg_terminate_backend, an idle-session timeout, a network
// cut) is the service's condition, not the request's fault: it is answered 503 with Retry-After
// (RFC 9110 §15.6.4, §10.2.3), and the request can be retried once the database is back.
import { AppError } from '../../domain/errors.ts';

/** Seconds a client is asked to wait: a restart or failover of PostgreSQL takes a few. */
export const RETRY_AFTER_S = 2;

/**
 * SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html): class 08 connection
 * exception; 57P01 admin_shutdown (pg_terminate_backend, a fast shutdown), 57P02 crash_shutdown,
 * 57P03 cannot_connect_now (starting up, in recovery), 57P05 idle_session_timeout;
 * 53300 too_many_connections.
 */
const SQLSTATE = /^(08...|57P0[1235]|53300)$/;
/** The socket itself: refused, reset, unreachable, unresolvable. */
const SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What `pg` and `pg-pool` throw, without a code, for a connection that ended or never came. */
const DRIVER =
  /^(Connection terminated|Client was closed and is not queryable|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)/;

export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SQLSTATE.test(code) || SOCKET.has(code))) return true;
  return DRIVER.test(error.message);
}

export function unavailable(cause: unknown): AppError {
  const error = new AppError('unavailable', 'The database is unavailable; retry shortly', undefined, {
    'retry-after': String(RETRY_AFTER_S),
  });
  error.cause = cause;
  return error;
}

/**
 * `error` as the request should see it: unavailable if it is a connection loss, or if it happened on a
 * connection that was lost meanwhile (whatever a dead connection answers, the database is the cause).
 */
export function asUnavailable(error: unknown, connectionLost = false): unknown {
  // The command's own verdict (not found, forbidden …) stands: it was reached before the loss.
  if (error instanceof AppError) return error;
  return connectionLost || isConnectionLoss(error) ? unavailable(error) : error;
}

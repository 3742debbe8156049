// The one place that turns errors into RFC 9457 problem details (application/problem+json).
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorCatalog, type ErrorCode, type FieldError } from '../domain/errors.ts';

export function problemBody(code: ErrorCode, detail: string, errors?: FieldError[]) {
  const { status, title } = errorCatalog[code];
  return { type: `urn:chipin:problem:${code}`, title, status, detail, code, ...(errors ? { errors } : {}) };
}

export function sendProblem(reply: FastifyReply, error: AppError) {
  if (error.headers) reply.headers(error.headers);
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send(problemBody(error.code, error.message, error.errors));
}

type AjvError = {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
  parentSchema?: { errorMessage?: unknown };
};

/** Ajv's errors as {path, message}: paths are dotted (split.amounts.u1), as a form would name its fields. */
function fieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of validation) {
    let path = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (e.keyword === 'required') path = [path, String(e.params.missingProperty)].filter(Boolean).join('.');
    if (e.keyword === 'discriminator') path = [path, String(e.params.tag)].filter(Boolean).join('.');
    if (e.keyword === 'additionalProperties') path = [path, String(e.params.additionalProperty)].filter(Boolean).join('.');
    const message =
      e.keyword === 'additionalProperties'
        ? 'is not a known field'
        : e.keyword === 'required'
          ? 'is required'
          : e.keyword === 'discriminator'
            ? 'is missing or not one of the known values'
            : typeof e.parentSchema?.errorMessage === 'string'
              ? e.parentSchema.errorMessage
              : (e.message ?? 'is not valid');
    if (!path) path = context === 'body' || context === undefined ? '' : context;
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

/** Fastify's own error codes that are the client's fault, and what they mean in our catalog. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation',
  FST_ERR_RATE_LIMIT_EXCEEDED: 'rate_limited',
};

export function errorHandler(error: FastifyError & { validation?: AjvError[] }, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) return sendProblem(reply, error);
  if (error.validation) {
    const errors = fieldErrors(error.validation, error.validationContext);
    const detail = errors.map((e) => `${e.path || 'body'} ${e.message}`).join('; ');
    return sendProblem(reply, new AppError('validation', detail, errors));
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return sendProblem(reply, new AppError(mapped, error.message));
  const status = error.statusCode ?? 500;
  if (status === 429) return sendProblem(reply, new AppError('rate_limited', error.message));
  if (status >= 400 && status < 500) {
    // Malformed JSON (a SyntaxError from the parser), __proto__ keys and the like.
    return sendProblem(
      reply,
      new AppError(status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'validation', error.message),
    );
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, new AppError('internal', 'Something went wrong on our side'));
}

/**
 * Requests Node's HTTP parser refuses (not HTTP, headers over 16 KiB, a bad Content-Length, too slow)
 * never reach a route or a hook; they get a problem too, with the headers a browser needs not to
 * sniff or frame it, and the connection is closed (its framing cannot be trusted).
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail]: [ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', 'The request headers are larger than 16 KiB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'The request did not arrive in time']
        : ['validation', 'The request is not well-formed HTTP'];
  const body = JSON.stringify(problemBody(code, detail));
  const { status } = errorCatalog[code];
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

// Server-Sent Events (WHATWG HTML § 9.2 "Server-sent events"): the response head, the socket, the framing.
// Transport only: the hub decides what to send. Every field value here is a decimal id, a known type or
// single-line JSON (JSON.stringify escapes CR and LF), so no value can break the line-based framing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { GroupUpdated, Reset } from '../contract/events.ts';
import type { CloseReason, Connection } from './connection.ts';
import { detachFromHttp } from './detach.ts';

export const SSE_RETRY_MS = 2000;

/** The first bytes: the reconnection delay, then a comment so proxies flush the headers at once. */
export const sseOpening = (retryMs = SSE_RETRY_MS) => `retry: ${retryMs}\n:ok\n\n`;

export const sseEvent = (id: string | undefined, event: string, data: string) =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`;

/** A detached socket (HTTP/1.1) or a ServerResponse / HTTP/2 stream response: all are writable streams. */
export type SseSink = {
  write(chunk: string): unknown;
  end(): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
  readonly writableLength: number;
};

/** The SSE response head's own fields; the caller's (security headers) come first. */
export const SSE_HEADERS = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
});

// Told before the stream ends, so the client does not reconnect by itself (the SDK stops; a bare
// EventSource reconnects and, for logged_out, is refused with 401, which ends EventSource for good).
const EVICTED = sseEvent(
  undefined,
  'evicted',
  JSON.stringify({ type: 'evicted', reason: 'Too many open streams for this user; this one was the oldest' }),
);
const LOGGED_OUT = sseEvent(
  undefined,
  'logged_out',
  JSON.stringify({ type: 'logged_out', reason: 'The session this stream was opened with has ended; sign in again' }),
);

/**
 * A class, not an object of closures: ten thousand idle streams each kept seven closures and two contexts
 * (≈0.55 KB a stream in the heap snapshots); methods on a prototype cost nothing per stream.
 */
class SseConnection implements Connection {
  readonly transport = 'sse' as const;
  #closed = false;
  readonly #sink: SseSink;

  constructor(sink: SseSink) {
    this.#sink = sink;
  }

  #write(chunk: string) {
    if (!this.#closed) this.#sink.write(chunk);
  }

  sendNotification(id: number, type: string, json: string) {
    this.#write(sseEvent(String(id), type, json));
  }

  sendControl(message: GroupUpdated | Reset) {
    this.#write(controlFrame(message));
  }

  heartbeat() {
    if (this.#closed || this.#sink.destroyed) return false;
    this.#write(':\n\n');
    return true;
  }

  bufferedBytes() {
    return this.#sink.writableLength;
  }

  close(reason: CloseReason) {
    if (this.#closed) return;
    if (reason === 'evicted') this.#write(EVICTED);
    else if (reason === 'logged_out') this.#write(LOGGED_OUT);
    // Spread the reconnections of every client over a few seconds instead of one thundering herd.
    else if (reason === 'shutdown') this.#write(`retry: ${3000 + Math.floor(Math.random() * 3000)}\n\n`);
    this.#closed = true;
    const sink = this.#sink;
    if (reason === 'slow' || reason === 'heartbeat') {
      sink.destroy();
    } else {
      sink.end();
      // A peer that never answers our FIN must not hold a shutdown open.
      setTimeout(() => sink.destroy(), 1000).unref();
    }
  }
}

// A hint round hands the same message object to every stream of a group (src/notify/hub.ts): its frame is
// built once, not once a stream (5,000 streams in one group made 5,000 equal strings a round).
let lastControl: GroupUpdated | Reset | undefined;
let lastFrame = '';
function controlFrame(message: GroupUpdated | Reset): string {
  if (message !== lastControl) {
    // group.updated carries no id, so it does not move the browser's Last-Event-ID; reset does, on purpose.
    lastFrame = sseEvent(message.type === 'reset' ? message.id : undefined, message.type, JSON.stringify(message));
    lastControl = message;
  }
  return lastFrame;
}

export function sseConnection(sink: SseSink): Connection {
  return new SseConnection(sink);
}

// Shared listeners (`this` is the socket), so a stream keeps no closures of its own for them.
function ignore() {}
function endOnEof(this: Socket) {
  this.end();
}
function destroyOnError(this: Socket) {
  this.destroy();
}

/**
 * Takes over a request whose handler let go of it (Fastify: reply.hijack()): writes the SSE head with the
 * caller's headers (the security headers the hooks set, which hijacking would otherwise lose), then the
 * opening, and hands the connection to `attach`, which returns what to call when the peer goes.
 */
export function acceptSse(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Readonly<Record<string, string | number | readonly string[] | undefined>>,
  attach: (conn: Connection) => () => void,
): void {
  const socket = req.socket;
  if (req.httpVersionMajor === 1 && detachFromHttp(socket)) {
    // HTTP/1.1 on a bare socket: the body runs until the connection closes (RFC 9112 §6.3), so no chunked
    // framing is needed, and nothing of Node's HTTP objects stays alive per stream.
    socket.write(`HTTP/1.1 200 OK\r\n${headLines(headers)}\r\n${OPENING}`);
    socket.on('data', ignore); // keep reading, only to see the peer's FIN
    socket.on('end', endOnEof);
    socket.on('error', destroyOnError);
    // `on`, not `once`: 'close' comes once anyway, and once's wrapper would be kept per stream.
    socket.on('close', attach(sseConnection(socket)));
    return;
  }
  // HTTP/2 (under TLS) or a Node whose internals changed: the ordinary response path.
  const head: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) head[k] = Array.isArray(v) ? v.join(', ') : String(v);
  res.writeHead(200, Object.assign(head, SSE_HEADERS));
  res.write(OPENING);
  res.on('close', attach(sseConnection(res as unknown as SseSink)));
}

const OPENING = sseOpening();
const SSE_LINES = `${Object.entries(SSE_HEADERS)
  .map(([k, v]) => `${k}: ${v}\r\n`)
  .join('')}connection: keep-alive\r\n`;
const OWN = new Set([...Object.keys(SSE_HEADERS), 'connection']);

/**
 * The head's field lines for a detached HTTP/1.1 stream: the caller's fields, then the SSE head's own
 * (which win over any of the caller's of the same name). Built into one string in one pass: in a sampling
 * heap profile of 2,000 stream set-ups (garbage included), the entries/map/join arrays and the copied head
 * of the former version made 13.5 KB allocated per stream in the hand-over; this one makes 7.8 KB.
 */
function headLines(headers: Readonly<Record<string, string | number | readonly string[] | undefined>>): string {
  let lines = '';
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined || OWN.has(k)) continue;
    lines += `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}\r\n`;
  }
  return lines + SSE_LINES;
}

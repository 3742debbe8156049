// Server-Sent Events framing (WHATWG HTML § 9.2 "Server-sent events"). Transport only: the hub decides
// what to send. Every field value here is a decimal id, a known type or single-line JSON (JSON.stringify
// escapes CR and LF), so no value can break the line-based framing.
import type { GroupUpdated, Reset } from '../contract/events.ts';
import type { CloseReason, Connection } from './connection.ts';

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

const EVICTED = sseEvent(undefined, 'evicted', JSON.stringify({ type: 'evicted', reason: 'Too many open streams for this user; this one was the oldest' }));

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
    // group.updated carries no id, so it does not move the browser's Last-Event-ID; reset does, on purpose.
    this.#write(sseEvent(message.type === 'reset' ? message.id : undefined, message.type, JSON.stringify(message)));
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

export function sseConnection(sink: SseSink): Connection {
  return new SseConnection(sink);
}

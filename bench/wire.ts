// The load generator's wire parsers: an HTTP/1.1 response head, chunked transfer coding (RFC 9112 §7.1),
// Server-Sent Events framing (WHATWG HTML §9.2.6) and client-side WebSocket frames (RFC 6455 §5).
// Minimal on purpose: 10,000 connections must cost the generator little, and a bug here would show as loss.
import { randomBytes } from 'node:crypto';

export type Head = { status: number; headers: Map<string, string>; rest: Buffer };

/** Returns the parsed head once `buf` holds all of it, or undefined to wait for more bytes. */
export function parseHead(buf: Buffer): Head | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? 0);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status, headers, rest: buf.subarray(end + 4) };
}

/** Decodes a chunked body incrementally; returns the payload bytes each call makes available. */
export class ChunkedDecoder {
  #pending: Buffer = Buffer.alloc(0);
  /** Bytes left in the current chunk's data; -1 while reading a size line, -2 while reading the CRLF after data. */
  #left = -1;
  ended = false;

  push(data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let buf = this.#pending.length ? Buffer.concat([this.#pending, data]) : data;
    for (;;) {
      if (this.#left === -1) {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) break;
        const size = parseInt(buf.subarray(0, eol).toString('latin1').split(';')[0], 16);
        if (!Number.isFinite(size)) throw new Error('bad chunk size');
        buf = buf.subarray(eol + 2);
        if (size === 0) {
          this.ended = true;
          buf = Buffer.alloc(0);
          break;
        }
        this.#left = size;
      } else if (this.#left === -2) {
        if (buf.length < 2) break;
        buf = buf.subarray(2);
        this.#left = -1;
      } else {
        if (buf.length === 0) break;
        const take = Math.min(this.#left, buf.length);
        out.push(buf.subarray(0, take));
        buf = buf.subarray(take);
        this.#left -= take;
        if (this.#left === 0) this.#left = -2;
      }
    }
    this.#pending = Buffer.from(buf);
    return out;
  }
}

/** Splits an SSE body into events at blank lines; only the raw event text is returned (the marker is in it). */
export class SseSplitter {
  #text = '';
  push(chunk: string): string[] {
    this.#text += chunk;
    const events: string[] = [];
    let end: number;
    while ((end = this.#text.indexOf('\n\n')) >= 0) {
      events.push(this.#text.slice(0, end));
      this.#text = this.#text.slice(end + 2);
    }
    return events;
  }
}

export const WS_OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export type WsFrame = { op: number; payload: Buffer };

/** Reads unmasked server frames; reassembles fragmented messages (opcode 0) into one. */
export class WsFrameReader {
  #buf: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #fragmentOp = 0;

  push(data: Buffer): WsFrame[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, data]) : data;
    const frames: WsFrame[] = [];
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) break;
      const fin = (b[0] & 0x80) !== 0;
      const op = b[0] & 0x0f;
      let len = b[1] & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        len = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if ((b[1] & 0x80) !== 0) throw new Error('server frames must not be masked (RFC 6455 §5.1)');
      if (b.length < offset + len) break;
      const payload = b.subarray(offset, offset + len);
      this.#buf = b.subarray(offset + len);
      if (op >= 8) {
        frames.push({ op, payload });
      } else if (!fin) {
        if (op !== WS_OP.continuation) this.#fragmentOp = op;
        this.#fragments.push(Buffer.from(payload));
      } else if (op === WS_OP.continuation) {
        this.#fragments.push(payload);
        frames.push({ op: this.#fragmentOp, payload: Buffer.concat(this.#fragments) });
        this.#fragments = [];
      } else {
        frames.push({ op, payload });
      }
    }
    if (this.#buf.length) this.#buf = Buffer.from(this.#buf);
    return frames;
  }
}

const MASK = randomBytes(4);

/** A client frame: clients must mask (RFC 6455 §5.3). One mask per process is enough for a benchmark peer. */
export function wsClientFrame(op: number, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (data.length > 125) throw new Error('the generator only sends control-sized frames');
  const frame = Buffer.alloc(6 + data.length);
  frame[0] = 0x80 | op;
  frame[1] = 0x80 | data.length;
  MASK.copy(frame, 2);
  for (let i = 0; i < data.length; i++) frame[6 + i] = data[i] ^ MASK[i & 3];
  return frame;
}

export function wsUpgradeRequest(host: string, path: string, authorization: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: ${authorization}\r\n\r\n`
  );
}

export function sseRequest(host: string, path: string, authorization: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\nAuthorization: ${authorization}\r\n\r\n`;
}

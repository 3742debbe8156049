// The large-group scenario's SSE streams (bench/large-group.ts), over raw sockets with Bearer tokens as
// the outside check opens them, read as bytes. Also a worker: the streams that only count hints
// (every member's second to tenth) are read on their own thread, so the thread that times the receivers'
// first streams is not busy reading 4,500 other people's hints when a bill arrives. A user's device reads
// its own streams, not the whole group's; one event loop reading all 5,000 measured the bench, not Chipin.
import { connect, type Socket } from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

const HINT = Buffer.from('event: group.updated');

export type StreamSpec = { port: number; token: string; label: string };

/**
 * Opens one stream; resolves once its head says 200. Counts the group.updated frames into `hints[slot]`;
 * if `onText` is given, hands it the decoded body too (the timed streams).
 */
export function openStream(
  spec: StreamSpec,
  hints: number[],
  slot: number,
  sockets: Socket[],
  onText?: (text: string) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = connect(spec.port, '127.0.0.1');
    sockets.push(socket);
    let head = true;
    let raw = Buffer.alloc(0);
    // The end of the previous chunk, so a marker split across two chunks is still counted once.
    let tail = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      let body = chunk;
      if (head) {
        raw = Buffer.concat([raw, chunk]);
        const end = raw.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = raw.subarray(0, 12).toString('latin1');
        if (status !== 'HTTP/1.1 200') return reject(new Error(`stream ${spec.label}: ${status}`));
        head = false;
        resolve();
        body = raw.subarray(end + 4);
      }
      const data = tail.length ? Buffer.concat([tail, body]) : body;
      for (let at = data.indexOf(HINT); at >= 0; at = data.indexOf(HINT, at + HINT.length)) hints[slot]++;
      // Keep what could be the start of a marker cut off by the chunk's end (and not counted yet).
      const lastHint = data.lastIndexOf(HINT);
      tail = Buffer.from(data.subarray(Math.max(data.length - HINT.length + 1, lastHint >= 0 ? lastHint + HINT.length : 0, 0)));
      onText?.(body.toString('utf8'));
    });
    socket.write(
      `GET /api/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1:${spec.port}\r\nAuthorization: Bearer ${spec.token}\r\nAccept: text/event-stream\r\n\r\n`,
    );
  });
}

/** Opens specs a hundred at a time (a burst of thousands of connects overflows the listen backlog). */
export async function openAll(
  specs: readonly StreamSpec[],
  hints: number[],
  sockets: Socket[],
  onText?: (i: number) => (text: string) => void,
) {
  for (let start = 0; start < specs.length; start += 100) {
    await Promise.all(
      specs.slice(start, start + 100).map((spec, j) => {
        const slot = hints.push(0) - 1;
        return openStream(spec, hints, slot, sockets, onText?.(start + j));
      }),
    );
  }
}

/** What the main thread asks the worker, and what it answers. */
export type WorkerCommand = { type: 'reset' } | { type: 'counts' } | { type: 'close' };
export type WorkerReply = { type: 'opened'; count: number } | { type: 'failed'; error: string } | { type: 'counts'; hints: number[] };

if (!isMainThread && parentPort) {
  const port = parentPort;
  const hints: number[] = [];
  const sockets: Socket[] = [];
  openAll(workerData as StreamSpec[], hints, sockets).then(
    () => port.postMessage({ type: 'opened', count: sockets.length } satisfies WorkerReply),
    (err: Error) => port.postMessage({ type: 'failed', error: err.message } satisfies WorkerReply),
  );
  port.on('message', (m: WorkerCommand) => {
    if (m.type === 'reset') hints.fill(0);
    else if (m.type === 'counts') port.postMessage({ type: 'counts', hints: [...hints] } satisfies WorkerReply);
    else {
      for (const s of sockets) s.destroy();
      port.close();
    }
  });
}

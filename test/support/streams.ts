// Stream clients for tests, built on third-party packages (eventsource, ws), so the server is checked
// against clients nobody here wrote.
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { CONTROL_TYPES, NOTIFICATION_TYPES } from '../../src/contract/events.ts';

export type Received = { id: string | undefined; event: string; data: any };

/** Every event name the server sends (SSE delivers only the names a client listens for). */
const EVENT_TYPES: readonly string[] = [...NOTIFICATION_TYPES, ...CONTROL_TYPES];

async function waitUntil(check: () => boolean, what: string, timeoutMs = 5000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export type StreamClient = {
  received: Received[];
  /** Notifications only (events with an id, except reset). */
  notifications(): Received[];
  waitFor(count: number, filter?: (r: Received) => boolean, timeoutMs?: number): Promise<Received[]>;
  opened: Promise<void>;
  close(): void;
};

export function openSse(
  base: string,
  token: string,
  opts: { lastEventId?: string; query?: string; headers?: Record<string, string> } = {},
): StreamClient & { es: EventSource } {
  const received: Received[] = [];
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...opts.headers };
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  const es = new EventSource(`${base}/api/notifications/stream${opts.query ?? ''}`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
  });
  for (const type of EVENT_TYPES) {
    es.addEventListener(type, (e) => received.push({ id: e.lastEventId || undefined, event: type, data: JSON.parse(e.data) }));
  }
  const opened = new Promise<void>((resolve, reject) => {
    es.onopen = () => resolve();
    es.onerror = (e) => reject(new Error(`SSE error: ${(e as { message?: string }).message}`));
  });
  return client(received, opened, () => es.close(), { es });
}

export function openWs(
  base: string,
  token: string | undefined,
  opts: { lastEventId?: string; query?: string; headers?: Record<string, string> } = {},
): StreamClient & { ws: WebSocket; closed: Promise<number> } {
  const received: Received[] = [];
  const headers: Record<string, string> = { ...opts.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/notifications/ws${opts.query ?? ''}`, { headers });
  ws.on('message', (buf) => {
    const data = JSON.parse(String(buf));
    received.push({ id: data.id, event: data.type, data });
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return client(received, opened, () => ws.close(), { ws, closed });
}

function client<T extends object>(received: Received[], opened: Promise<void>, close: () => void, extra: T): StreamClient & T {
  return {
    ...extra,
    received,
    opened,
    notifications: () => received.filter((r) => r.id !== undefined && r.event !== 'reset'),
    async waitFor(count, filter = (r) => r.id !== undefined && r.event !== 'reset', timeoutMs = 5000) {
      await waitUntil(() => received.filter(filter).length >= count, `${count} events`, timeoutMs);
      return received.filter(filter);
    },
    close,
  };
}

export { waitUntil };

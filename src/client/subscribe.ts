// subscribe(): the live notification stream with the guarantees the server's ids make possible.
// Reconnects with jittered exponential backoff, resumes from the last id it has, drops duplicates by id,
// notices a gap (ids are per-user and gapless) and resumes to fill it, and handles `reset`, eviction and
// the end of the session (`logged_out`): after those two it stops for good and says why (onEnded).
import {
  CONTROL_TYPES,
  NOTIFICATION_TYPES,
  WS_CLOSE,
  type GroupUpdated,
  type Notification,
  type StreamMessage,
} from '../contract/events.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';
export type EndReason = 'evicted' | 'logged_out';

/** The parts of EventSource and WebSocket the SDK uses, so Node packages and browser globals both fit. */
export type EventSourceLike = {
  addEventListener(type: string, listener: (e: { data?: string; lastEventId?: string }) => void): void;
  close(): void;
  onerror: ((e: unknown) => void) | null;
  onopen: ((e: unknown) => void) | null;
};
export type WebSocketLike = {
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: { code: number }) => void) | null;
  onopen: ((e: unknown) => void) | null;
  onerror: ((e: unknown) => void) | null;
  close(code?: number): void;
};

export type SubscribeOptions = {
  baseUrl?: string;
  transport?: 'sse' | 'ws';
  /** Resume after this id ('0': from the beginning); undefined: live only. */
  lastEventId?: string;
  eventSource?: (url: string) => EventSourceLike;
  webSocket?: (url: string) => WebSocketLike;
  onState?: (state: ConnectionState) => void;
  onGroupUpdated?: (message: GroupUpdated) => void;
  /** The server's newest id is behind ours (or ours is unknown): reload the inbox. */
  onReset?: (newestId: string) => void;
  /**
   * The server ended the stream and asked not to come back: `evicted` (too many streams for this user) or
   * `logged_out` (the session ended: sign in again). The state is 'offline' from then on.
   */
  onEnded?: (reason: EndReason) => void;
  /** Backoff bounds for reconnects, in ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
};

export type Subscription = {
  close(): void;
  readonly state: ConnectionState;
  readonly lastEventId: string | undefined;
};

/** SSE event names: every notification type and every control message (src/contract/events.ts). */
const STREAM_EVENTS = [...NOTIFICATION_TYPES, ...CONTROL_TYPES];

export function subscribe(onNotification: (n: Notification) => void, options: SubscribeOptions = {}): Subscription {
  const base = options.baseUrl ?? '';
  const transport = options.transport ?? 'sse';
  const minDelay = options.minDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 15_000;
  let last: number | undefined = options.lastEventId === undefined ? undefined : Number(options.lastEventId);
  let state: ConnectionState = 'connecting';
  let attempt = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: { close(): void } | undefined;

  const setState = (s: ConnectionState) => {
    if (s === state) return;
    state = s;
    options.onState?.(s);
  };

  const url = (path: string) => `${base}${path}${last === undefined ? '' : `?lastEventId=${last}`}`;

  /** One message off the wire, whichever transport. Returns false when the connection must be redone. */
  function handle(message: StreamMessage): boolean {
    switch (message.type) {
      case 'group.updated':
        options.onGroupUpdated?.(message);
        return true;
      case 'reset':
        last = Number(message.id);
        options.onReset?.(String(message.id));
        return true;
      case 'evicted':
      case 'logged_out':
        end(message.type);
        return false;
      default: {
        const n: Notification = message;
        const id = Number(n.id);
        if (last !== undefined && id <= last) return true; // a duplicate after a reconnect
        if (last !== undefined && id !== last + 1) {
          // A gap: one was lost in flight. Resume from what we have; the server replays the rest.
          reconnect(0);
          return false;
        }
        last = id;
        onNotification(n);
        return true;
      }
    }
  }

  function open() {
    if (stopped) return;
    if (transport === 'ws') openWs();
    else openSse();
  }

  function openSse() {
    const make = options.eventSource ?? ((u: string) => new EventSource(u, { withCredentials: true }) as unknown as EventSourceLike);
    const es = make(url('/api/notifications/stream'));
    current = es;
    es.onopen = () => {
      attempt = 0;
      setState('live');
    };
    for (const type of STREAM_EVENTS) {
      es.addEventListener(type, (e) => {
        if (current !== es || !e.data) return;
        handle(JSON.parse(e.data));
      });
    }
    // EventSource would retry by itself, but without our backoff, gap checks or state; we do it ourselves.
    es.onerror = () => {
      if (current === es) reconnect();
    };
  }

  function openWs() {
    const wsBase = base === '' ? `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}` : base.replace(/^http/, 'ws');
    const make = options.webSocket ?? ((u: string) => new WebSocket(u) as unknown as WebSocketLike);
    const ws = make(`${wsBase}${url('/api/notifications/ws').slice(base.length)}`);
    current = ws;
    ws.onopen = () => {
      attempt = 0;
      setState('live');
    };
    ws.onmessage = (e) => {
      if (current !== ws) return;
      handle(JSON.parse(String(e.data)));
    };
    ws.onclose = (e) => {
      if (current !== ws) return;
      if (e.code === WS_CLOSE.evicted) end('evicted');
      else if (e.code === WS_CLOSE.loggedOut) end('logged_out');
      else reconnect();
    };
    ws.onerror = () => undefined; // onclose follows
  }

  function reconnect(delayOverride?: number) {
    if (stopped) return;
    current?.close();
    current = undefined;
    setState('reconnecting');
    clearTimeout(timer);
    // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): spreads a herd of clients.
    const cap = Math.min(maxDelay, minDelay * 2 ** attempt++);
    timer = setTimeout(open, delayOverride ?? minDelay / 2 + Math.random() * cap);
  }

  function end(reason: EndReason) {
    stop('offline');
    options.onEnded?.(reason);
  }

  function stop(final: ConnectionState) {
    stopped = true;
    clearTimeout(timer);
    current?.close();
    current = undefined;
    setState(final);
  }

  options.onState?.(state);
  open();
  return {
    close: () => stop('offline'),
    get state() {
      return state;
    },
    get lastEventId() {
      return last === undefined ? undefined : String(last);
    },
  };
}

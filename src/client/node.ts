// Node transports for subscribe(): the `eventsource` and `ws` packages with a Bearer token
// (browsers use their native EventSource/WebSocket and the session cookie).
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import type { EventSourceLike, WebSocketLike } from './subscribe.ts';

export function nodeTransports(token: string) {
  return {
    eventSource: (url: string) =>
      new EventSource(url, {
        fetch: (input, init) =>
          fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } }),
      }) as unknown as EventSourceLike,
    webSocket: (url: string) => new WebSocket(url, { headers: { authorization: `Bearer ${token}` } }) as unknown as WebSocketLike,
  };
}

// One notification stream per browser, not per tab. HTTP/1.1 allows six connections per origin, so a user
// with many tabs would starve; instead the tabs elect a leader with the Web Locks API (the lock is held
// while the leader's page lives and is released by the browser when it closes), the leader alone opens
// the stream and re-broadcasts everything over BroadcastChannel. When the leader goes, the next tab
// waiting for the lock takes over and resumes from the newest id it has seen, so nothing is lost, and
// every tab drops ids it already has, so nothing is doubled.
// navigator.locks exists only in secure contexts (https, or http on localhost): elsewhere each tab
// opens its own stream.
import { subscribe, type ConnectionState, type Subscription } from '../../../src/client/index.ts';
import type { Notification } from '../../../src/contract/events.ts';
import type { ChannelMessage } from './channel-messages.ts';
import { readTransport, storeTransport, type Transport } from './transport-setting.ts';

export type FeedRole = 'leader' | 'follower' | 'solo';

export type FeedListener = {
  notification(n: Notification): void;
  groupUpdated(groupId: string, version: number): void;
  reset(newestId: string): void;
  state(state: ConnectionState, transport: Transport): void;
  role(role: FeedRole): void;
  /** Another tab marked notifications read. */
  read(): void;
  /** Another tab signed out. */
  signedOut(): void;
};

export type Feed = {
  /** The newest id the inbox had when it loaded: the stream resumes after it. */
  seed(lastId: string): void;
  /** Reopen the stream with the current transport setting (in whichever tab leads). */
  restart(): void;
  /** Tell the other tabs something (read, signed-out). */
  tell(message: ChannelMessage): void;
  stop(): void;
};

export function startFeed(userId: string, on: FeedListener): Feed {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  const channel = locks && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(`chipin-live:${userId}`) : undefined;
  let role: FeedRole = channel ? 'follower' : 'solo';
  let last: number | undefined;
  let seeded: (id: string) => void = () => undefined;
  const seed = new Promise<string>((resolve) => (seeded = resolve));
  let sub: Subscription | undefined;
  let state: ConnectionState = 'connecting';
  let transport: Transport = readTransport();
  let stopped = false;
  let releaseLock: (() => void) | undefined;
  /** Bumped by every lead(): a restart while an earlier one still waits for the seed supersedes it. */
  let generation = 0;
  const abort = new AbortController();

  const post = (m: ChannelMessage) => channel?.postMessage(m);
  const lastId = () => (last === undefined ? undefined : String(last));

  /** A notification this tab has not seen yet is shown; one it has (by id) is dropped. */
  function receive(n: Notification) {
    const id = Number(n.id);
    if (last !== undefined && id <= last) return;
    last = id;
    on.notification(n);
  }

  function setState(s: ConnectionState, t: Transport) {
    state = s;
    transport = t;
    on.state(s, t);
  }

  async function lead() {
    const mine = ++generation;
    // Resume after the newest id this tab has: from another leader's broadcasts, or the inbox it loaded.
    const inbox = Number(await seed);
    if (stopped || mine !== generation) return;
    const from = String(Math.max(last ?? 0, inbox));
    const t = readTransport();
    sub = subscribe(
      (n) => {
        receive(n);
        post({ type: 'notification', notification: n });
      },
      {
        transport: t,
        lastEventId: from,
        onState: (s) => {
          setState(s, t);
          post({ type: 'state', state: s, transport: t, lastId: lastId() });
        },
        onGroupUpdated: ({ groupId, version }) => {
          on.groupUpdated(groupId, version);
          post({ type: 'group.updated', groupId, version });
        },
        onReset: (id) => {
          last = Number(id);
          on.reset(id);
          post({ type: 'reset', id });
        },
        // The session ended (logout elsewhere, logout everywhere, a password change, expiry): every tab
        // goes to the sign-in screen, as when one of them signs out.
        onEnded: (reason) => {
          if (reason !== 'logged_out') return;
          on.signedOut();
          post({ type: 'signed-out' });
        },
      },
    );
  }

  function restart() {
    if (role === 'follower') return post({ type: 'transport', transport: readTransport() });
    sub?.close();
    sub = undefined;
    void lead();
  }

  if (channel) {
    channel.onmessage = (e: MessageEvent<ChannelMessage>) => {
      const m = e.data;
      switch (m.type) {
        case 'notification':
          if (role === 'follower') receive(m.notification);
          return;
        case 'group.updated':
          if (role === 'follower') on.groupUpdated(m.groupId, m.version);
          return;
        case 'reset':
          if (role !== 'follower') return;
          last = Number(m.id);
          on.reset(m.id);
          return;
        case 'state':
          if (role === 'follower') setState(m.state, m.transport);
          return;
        case 'hello':
          if (role === 'leader') post({ type: 'state', state, transport, lastId: lastId() });
          return;
        case 'transport':
          if (role !== 'leader') return;
          storeTransport(m.transport);
          restart();
          return;
        case 'read':
          on.read();
          return;
        case 'signed-out':
          on.signedOut();
          return;
        default:
          m satisfies never;
      }
    };
    on.role(role);
    post({ type: 'hello' });
    // Granted when no other tab of this browser holds it; held until this page goes or stop() is called.
    locks!
      .request(`chipin-stream:${userId}`, { signal: abort.signal }, () => {
        if (stopped) return undefined;
        role = 'leader';
        on.role(role);
        void lead();
        return new Promise<void>((resolve) => (releaseLock = resolve));
      })
      .catch(() => undefined); // aborted by stop() while waiting
  } else {
    on.role(role);
    void lead();
  }
  on.state(state, transport);

  return {
    seed(id: string) {
      last = Math.max(last ?? 0, Number(id));
      seeded(id);
    },
    restart,
    tell: post,
    stop() {
      if (stopped) return;
      stopped = true;
      abort.abort();
      sub?.close();
      releaseLock?.();
      channel?.close();
    },
  };
}

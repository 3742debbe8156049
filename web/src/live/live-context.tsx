// The live layer for React: starts the browser's one feed for the signed-in user, keeps the connection
// state (also written to <html data-connection=…> so tests and styles can read it) and fans events out.
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ConnectionState } from '../../../src/client/index.ts';
import type { User } from '../../../src/contract/schemas.ts';
import type { Notification } from '../../../src/contract/events.ts';
import type { ChannelMessage } from './channel-messages.ts';
import { startFeed, type Feed, type FeedRole } from './feed.ts';
import { readTransport, storeTransport, transportFromUrl, type Transport } from './transport-setting.ts';

export type LiveEvent =
  | { type: 'notification'; notification: Notification }
  | { type: 'group.updated'; groupId: string; version: number }
  /** The inbox must be reloaded: ids were reset, or another tab marked notifications read. */
  | { type: 'inbox.stale' }
  /** The stream is live again after a gap, in which group.updated messages may have been missed. */
  | { type: 'resynced' };

type Live = {
  state: ConnectionState;
  role: FeedRole;
  transport: Transport;
  setTransport(t: Transport): void;
  seed(lastId: string): void;
  tell(message: ChannelMessage): void;
  listen(listener: (e: LiveEvent) => void): () => void;
};

const LiveContext = createContext<Live | null>(null);

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside <LiveProvider>');
  return live;
}

/** Calls `handler` for every live event while the component is mounted (always the latest handler). */
export function useLiveEvent(handler: (e: LiveEvent) => void) {
  const { listen } = useLive();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => listen((e) => ref.current(e)), [listen]);
}

export function LiveProvider({ user, onSignedOutElsewhere, children }: { user: User; onSignedOutElsewhere(): void; children: ReactNode }) {
  const [state, setState] = useState<ConnectionState>('connecting');
  const [role, setRole] = useState<FeedRole>('solo');
  const [transport, setTransportState] = useState<Transport>(readTransport);
  const listeners = useRef(new Set<(e: LiveEvent) => void>());
  const feed = useRef<Feed | undefined>(undefined);
  /** The inbox's newest id, kept so a feed started after the inbox loaded still resumes from it. */
  const seeded = useRef<string | undefined>(undefined);
  const signedOut = useRef(onSignedOutElsewhere);
  signedOut.current = onSignedOutElsewhere;

  useEffect(() => {
    const emit = (e: LiveEvent) => listeners.current.forEach((l) => l(e));
    let wasLive = false;
    let current: ConnectionState = 'connecting';
    const f = startFeed(user.id, {
      notification: (notification) => emit({ type: 'notification', notification }),
      groupUpdated: (groupId, version) => emit({ type: 'group.updated', groupId, version }),
      reset: () => emit({ type: 'inbox.stale' }),
      read: () => emit({ type: 'inbox.stale' }),
      signedOut: () => signedOut.current(),
      role: setRole,
      state(s, t) {
        if (s === 'live' && current !== 'live' && wasLive) emit({ type: 'resynced' });
        if (s === 'live') wasLive = true;
        current = s;
        setState(s);
        setTransportState(t);
      },
    });
    feed.current = f;
    if (seeded.current !== undefined) f.seed(seeded.current);
    if (transportFromUrl() !== undefined) f.restart();
    return () => {
      feed.current = undefined;
      f.stop();
    };
  }, [user.id]);

  useEffect(() => {
    const root = document.documentElement.dataset;
    root.connection = state;
    root.streamRole = role;
    root.transport = transport;
  }, [state, role, transport]);

  // Stable functions, so effects that use them do not re-run on every state change.
  const actions = useRef({
    setTransport(t: Transport) {
      storeTransport(t);
      setTransportState(t);
      feed.current?.restart();
    },
    seed(id: string) {
      seeded.current ??= id;
      feed.current?.seed(id);
    },
    tell: (m: ChannelMessage) => feed.current?.tell(m),
    listen(listener: (e: LiveEvent) => void) {
      listeners.current.add(listener);
      return () => void listeners.current.delete(listener);
    },
  }).current;
  const live = useMemo<Live>(() => ({ state, role, transport, ...actions }), [state, role, transport, actions]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

// The notification inbox: loaded once, kept current by the live feed, reloaded when ids reset or another
// tab marks notifications read. Its first load tells the feed where the stream should resume.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { Notification } from '../../../src/contract/events.ts';
import { api } from '../api.ts';
import { useLive, useLiveEvent } from '../live/live-context.tsx';

const PAGE = 20;

type InboxState = { items: Notification[]; unread: number; nextCursor: string | null; loaded: boolean };

type Inbox = InboxState & { markAllRead(): Promise<void>; loadOlder(): Promise<void> };

const InboxContext = createContext<Inbox | null>(null);

export function useInbox(): Inbox {
  const inbox = useContext(InboxContext);
  if (!inbox) throw new Error('useInbox outside <InboxProvider>');
  return inbox;
}

export function InboxProvider({ children }: { children: ReactNode }) {
  const live = useLive();
  const [state, setState] = useState<InboxState>({ items: [], unread: 0, nextCursor: null, loaded: false });
  const current = useRef(state);
  current.current = state;

  const reload = useCallback(
    async (seed: boolean) => {
      const r = await api.notifications({ limit: PAGE });
      setState({ items: r.notifications, unread: r.unreadCount, nextCursor: r.nextCursor, loaded: true });
      if (seed) live.seed(r.notifications[0]?.id ?? '0');
    },
    [live.seed],
  );

  useEffect(() => {
    reload(true).catch(() => live.seed('0'));
  }, [reload, live.seed]);

  useLiveEvent((e) => {
    if (e.type === 'inbox.stale') void reload(false).catch(() => undefined);
    if (e.type !== 'notification') return;
    const n = e.notification;
    setState((s) =>
      s.items.some((i) => i.id === n.id) ? s : { ...s, items: [n, ...s.items], unread: s.unread + (n.readAt === null ? 1 : 0) },
    );
  });

  const markAllRead = useCallback(async () => {
    const { items, unread } = current.current;
    if (unread === 0 || items.length === 0) return;
    const upTo = items[0].id;
    await api.markRead({ upTo });
    const now = new Date().toISOString();
    setState((s) => ({
      ...s,
      items: s.items.map((i) => (i.readAt === null && Number(i.id) <= Number(upTo) ? { ...i, readAt: now } : i)),
      unread: s.items.filter((i) => i.readAt === null && Number(i.id) > Number(upTo)).length,
    }));
    live.tell({ type: 'read' });
  }, [live.tell]);

  const loadOlder = useCallback(async () => {
    const before = current.current.nextCursor;
    if (!before) return;
    const r = await api.notifications({ limit: PAGE, before });
    setState((s) => ({
      ...s,
      items: [...s.items, ...r.notifications.filter((n) => !s.items.some((i) => i.id === n.id))],
      nextCursor: r.nextCursor,
    }));
  }, []);

  return <InboxContext.Provider value={{ ...state, markAllRead, loadOlder }}>{children}</InboxContext.Provider>;
}

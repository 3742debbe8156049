// A toast for each notification that arrives live, in an aria-live region, with the bill one click away.
// At most MAX_TOASTS at once, each for SHOWN_MS; a burst of one kind from one person collapses into one
// toast ("3 new bills from Alice") that shows the latest in full underneath.
import { useEffect, useRef, useState } from 'react';
import { useSeenWhileVisible } from '../push/seen.ts';
import { Link, paths } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLiveEvent } from '../live/live-context.tsx';
import { burstOf, describe, type Described } from './messages.ts';

type Toast = Described & {
  id: string;
  shownAt: number;
  ids: string[];
  burstKey: string | undefined;
  headline: string | undefined;
  lastAt: number;
};

export const MAX_TOASTS = 3;
const SHOWN_MS = 7000;
/** Notifications of one kind from one person this close together are one burst. */
const BURST_MS = 2000;

export function Toasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  // A toast on a visible page counts as seen: the server then sends no push for it.
  useSeenWhileVisible(
    useSession().user.id,
    toasts.flatMap((t) => t.ids),
  );

  const dismiss = (id: string) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((ts) => ts.filter((t) => t.id !== id));
  };
  const schedule = (id: string) => {
    clearTimeout(timers.current.get(id));
    timers.current.set(
      id,
      setTimeout(() => dismiss(id), SHOWN_MS),
    );
  };

  useLiveEvent((e) => {
    if (e.type !== 'notification') return;
    const n = e.notification;
    const described = describe(n);
    const burst = burstOf(n);
    const now = Date.now();
    setToasts((ts) => {
      if (ts.some((t) => t.ids.includes(n.id))) return ts;
      const same = burst && ts.find((t) => t.burstKey === burst.key && now - t.lastAt <= BURST_MS);
      if (same) {
        const ids = [...same.ids, n.id];
        const merged: Toast = {
          ...same,
          ...described,
          id: same.id,
          // Its text now tells of this notification, shown now (the browser matrix times receipts by it).
          shownAt: now,
          ids,
          lastAt: now,
          headline: burst.text(ids.length),
          link: described.groupId ? { to: paths.group(described.groupId), label: 'Open the group' } : described.link,
        };
        schedule(same.id);
        return [...ts.filter((t) => t !== same), merged];
      }
      schedule(n.id);
      const next = [...ts, { ...described, id: n.id, shownAt: now, ids: [n.id], burstKey: burst?.key, headline: undefined, lastAt: now }];
      for (const old of next.slice(0, -MAX_TOASTS)) clearTimeout(timers.current.get(old.id));
      return next.slice(-MAX_TOASTS);
    });
  });

  useEffect(() => {
    const all = timers.current;
    return () => all.forEach((t) => clearTimeout(t));
  }, []);

  return (
    <section className="toasts" aria-live="polite" aria-label="Live notifications">
      {toasts.map((t) => (
        // data-shown-at lets the end-to-end test measure delivery time in the page's own clock.
        <div
          key={t.id}
          className="toast"
          data-notification-id={t.ids[t.ids.length - 1]}
          data-count={t.ids.length}
          data-shown-at={t.shownAt}
        >
          {t.headline && <p className="toast-title">{t.headline}</p>}
          <p className="toast-text" title={t.text}>
            {t.text}
          </p>
          <div className="toast-actions">
            {t.link && (
              <Link to={t.link.to} onClick={() => dismiss(t.id)}>
                {t.link.label}
              </Link>
            )}
            <button type="button" className="link-button" onClick={() => dismiss(t.id)} aria-label={`Dismiss: ${t.headline ?? t.text}`}>
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}

// A toast for each notification that arrives live, in an aria-live region, with the bill one click away.
import { useEffect, useRef, useState } from 'react';
import { useSeenWhileVisible } from '../push/seen.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLiveEvent } from '../live/live-context.tsx';
import { describe, type Described } from './messages.ts';

type Toast = Described & { id: string; shownAt: number };

const SHOWN_MS = 10_000;

export function Toasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  // A toast on a visible page counts as seen: the server then sends no push for it.
  useSeenWhileVisible(useSession().user.id, toasts.map((t) => t.id));

  const dismiss = (id: string) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((ts) => ts.filter((t) => t.id !== id));
  };

  useLiveEvent((e) => {
    if (e.type !== 'notification') return;
    const n = e.notification;
    setToasts((ts) => (ts.some((t) => t.id === n.id) ? ts : [...ts.slice(-3), { ...describe(n), id: n.id, shownAt: Date.now() }]));
    timers.current.set(n.id, setTimeout(() => dismiss(n.id), SHOWN_MS));
  });

  useEffect(() => {
    const all = timers.current;
    return () => all.forEach((t) => clearTimeout(t));
  }, []);

  return (
    <section className="toasts" aria-live="polite" aria-label="Live notifications">
      {toasts.map((t) => (
        // data-shown-at lets the end-to-end test measure delivery time in the page's own clock.
        <div key={t.id} className="toast" data-notification-id={t.id} data-shown-at={t.shownAt}>
          <p className="toast-text">{t.text}</p>
          <div className="toast-actions">
            {t.link && (
              <Link to={t.link.to} onClick={() => dismiss(t.id)}>
                {t.link.label}
              </Link>
            )}
            <button type="button" className="link-button" onClick={() => dismiss(t.id)} aria-label={`Dismiss: ${t.text}`}>
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}

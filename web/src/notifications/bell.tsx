// The bell: unread count, and a list that marks what it shows as read when opened.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useDismiss } from '../components/use-dismiss.ts';
import { useSeenWhileVisible } from '../push/seen.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { dateTime } from '../format.ts';
import { useInbox } from './inbox.tsx';
import { describe } from './messages.ts';

export function Bell() {
  const inbox = useInbox();
  const [open, setOpen] = useState(false);
  /** What was unread when the list opened stays marked as new while it is open. */
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useDismiss(
    open,
    useCallback(() => setOpen(false), []),
    button,
    panel,
  );
  // The open list counts as seen (newest first, so its first id is the highest).
  useSeenWhileVisible(useSession().user.id, open && inbox.items.length > 0 ? [inbox.items[0].id] : []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the list opens; notifications arriving while it is open are marked on the next opening
  useEffect(() => {
    if (!open) return;
    setFresh(new Set(inbox.items.filter((n) => n.readAt === null).map((n) => n.id)));
    void inbox.markAllRead().catch(() => undefined);
  }, [open]);

  const label = inbox.unread === 0 ? 'Notifications' : `Notifications, ${inbox.unread} unread`;
  return (
    <div className="bell">
      <button
        ref={button}
        type="button"
        className="bell-button"
        aria-expanded={open}
        aria-controls="notification-list"
        aria-label={label}
        onClick={() => setOpen((o) => !o)}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
          <path
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
            fill="currentColor"
          />
        </svg>
        <span className="badge" data-unread={inbox.unread} hidden={inbox.unread === 0}>
          {inbox.unread}
        </span>
      </button>
      {open && (
        <div ref={panel} id="notification-list" className="bell-panel">
          <h2 className="bell-title">Notifications</h2>
          {inbox.items.length === 0 ? (
            <p className="muted">Nothing yet. When someone adds a bill you share or pays you, it shows up here.</p>
          ) : (
            <ul className="notification-list">
              {inbox.items.map((n) => {
                const d = describe(n);
                return (
                  <li key={n.id} className={fresh.has(n.id) ? 'notification unread' : 'notification'}>
                    <p>
                      {fresh.has(n.id) && <span className="visually-hidden">New: </span>}
                      {d.text}
                    </p>
                    <p className="meta">
                      <time dateTime={n.createdAt}>{dateTime(n.createdAt)}</time>
                      {d.link && (
                        <>
                          {' · '}
                          <Link to={d.link.to} onClick={() => setOpen(false)}>
                            {d.link.label}
                          </Link>
                        </>
                      )}
                    </p>
                  </li>
                );
              })}
            </ul>
          )}
          {inbox.nextCursor && (
            <button type="button" className="secondary" onClick={() => void inbox.loadOlder()}>
              Show older
            </button>
          )}
        </div>
      )}
    </div>
  );
}

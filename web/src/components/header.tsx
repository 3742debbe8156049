// The bar on every signed-in page: home, connection state, the bell, and the account menu.
import { useCallback, useId, useRef, useState } from 'react';
import { Link, paths } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLive } from '../live/live-context.tsx';
import type { Transport } from '../live/transport-setting.ts';
import { Bell } from '../notifications/bell.tsx';
import { ConnectionIndicator } from './connection-indicator.tsx';
import { useDismiss } from './use-dismiss.ts';

export function Header() {
  const { user, signOut } = useSession();
  const live = useLive();
  const [menu, setMenu] = useState(false);
  const transportId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  useDismiss(
    menu,
    useCallback(() => setMenu(false), []),
    button,
    panel,
  );
  return (
    <header className="app-header">
      <Link to={paths.groups()} className="brand">
        Chipin
      </Link>
      <ConnectionIndicator />
      <Bell />
      <div className="account">
        <button
          ref={button}
          type="button"
          className="account-button"
          aria-expanded={menu}
          aria-controls="account-menu"
          onClick={() => setMenu((m) => !m)}
          title={user.name}
        >
          <span className="visually-hidden">Account: </span>
          <span className="account-name">{user.name}</span>
        </button>
        {menu && (
          <div ref={panel} id="account-menu" className="account-menu">
            <p className="muted account-email">{user.email}</p>
            {/* The transport in a person's words: most never need this, and those behind a strict network try the other. */}
            <label htmlFor={transportId}>Live updates</label>
            <select
              id={transportId}
              value={live.transport}
              onChange={(e) => live.setTransport(e.target.value as Transport)}
              aria-describedby={`${transportId}-hint`}
            >
              <option value="sse">Standard connection</option>
              <option value="ws">Alternative connection</option>
            </select>
            <p id={`${transportId}-hint`} className="hint">
              Try the other one if changes stop appearing by themselves on your network.
            </p>
            <Link to={paths.notificationSettings()} onClick={() => setMenu(false)}>
              Notification settings
            </Link>
            <button type="button" className="secondary" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </div>
    </header>
  );
}

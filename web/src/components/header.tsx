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
  useDismiss(menu, useCallback(() => setMenu(false), []), button, panel);
  return (
    <header className="app-header">
      <Link to={paths.groups()} className="brand">
        Chipin
      </Link>
      <ConnectionIndicator />
      <Bell />
      <div className="account">
        <button ref={button} type="button" className="account-button" aria-expanded={menu} aria-controls="account-menu" onClick={() => setMenu((m) => !m)}>
          <span className="visually-hidden">Account: </span>
          {user.name}
        </button>
        {menu && (
          <div ref={panel} id="account-menu" className="account-menu">
            <p className="muted">{user.email}</p>
            <label htmlFor={transportId}>Live updates over</label>
            <select id={transportId} value={live.transport} onChange={(e) => live.setTransport(e.target.value as Transport)}>
              <option value="sse">Server-Sent Events</option>
              <option value="ws">WebSocket</option>
            </select>
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

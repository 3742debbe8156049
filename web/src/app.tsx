// The app: who is signed in (GET /api/me on load; the session is the server's cookie), then the page
// for the current path, with the live layer around every signed-in page.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { User } from '../../src/contract/schemas.ts';
import { api } from './api.ts';
import { Header } from './components/header.tsx';
import { LiveProvider, useLive } from './live/live-context.tsx';
import { InboxProvider } from './notifications/inbox.tsx';
import { Toasts } from './notifications/toasts.tsx';
import { AuthPage } from './pages/auth-page.tsx';
import { BillPage } from './pages/bill-page.tsx';
import { GroupPage } from './pages/group-page.tsx';
import { GroupsPage } from './pages/groups-page.tsx';
import { JoinPage, SignedOutJoinPage } from './pages/join-page.tsx';
import { PageTitle } from './pages/page-title.tsx';
import { forgetDevice, resync } from './push/device.ts';
import { NotificationSettingsPage } from './settings/notifications-page.tsx';
import { isUnauthenticated } from './problem.ts';
import { Link, navigate, parseRoute, paths, usePath, type Route } from './router.tsx';
import { SessionContext, type Session } from './session.tsx';

export function App() {
  /** undefined: not known yet; null: signed out. */
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  const path = usePath();
  const route = parseRoute(path);

  const check = useCallback(() => {
    setFailed(false);
    // GET /api/session answers 200 with null when signed out: no 401 in the console on every signed-out load.
    api.session().then(
      (r) => setUser(r.user),
      (e: unknown) => (isUnauthenticated(e) ? setUser(null) : setFailed(true)),
    );
  }, []);
  useEffect(check, [check]);

  useEffect(() => {
    document.documentElement.dataset.session = user === undefined ? 'unknown' : user ? 'signed-in' : 'signed-out';
    if (user && (route.name === 'signin' || route.name === 'signup')) navigate(paths.groups(), { replace: true });
  }, [user, route.name]);

  if (failed) {
    return (
      <main id="main" className="auth">
        <h1>Chipin</h1>
        <p role="alert">Chipin cannot be reached right now.</p>
        <button type="button" onClick={check}>
          Try again
        </button>
      </main>
    );
  }
  // The same shell web/index.html paints before the script arrives, so nothing jumps.
  if (user === undefined) return <LoadingShell />;
  // An invite link works signed out: it says what it invites to, then signs up or in, then joins.
  if (user === null && route.name === 'join') return <SignedOutJoinPage token={route.token} onSignedIn={setUser} />;
  if (user === null) return <AuthPage mode={route.name === 'signup' ? 'signup' : 'signin'} onSignedIn={setUser} />;
  return (
    <LiveProvider key={user.id} user={user} onSignedOutElsewhere={() => setUser(null)}>
      <InboxProvider>
        <SignedIn user={user} route={route} onSignedOut={() => setUser(null)} />
      </InboxProvider>
    </LiveProvider>
  );
}

function LoadingShell() {
  return (
    <main id="main" className="auth shell" aria-busy="true">
      <p className="auth-brand">Chipin</p>
      <p className="tagline">Share bills with friends. Everyone sees who owes what, the moment it happens.</p>
      <p className="muted" role="status">
        Loading…
      </p>
    </main>
  );
}

function SignedIn({ user, route, onSignedOut }: { user: User; route: Route; onSignedOut(): void }) {
  const live = useLive();
  const session = useMemo<Session>(
    () => ({
      user,
      async signOut() {
        // While the session still exists: the device's push subscription belongs to this account.
        await forgetDevice().catch(() => undefined);
        await api.logout().catch(() => undefined);
        live.tell({ type: 'signed-out' });
        onSignedOut();
        navigate('/signin', { replace: true });
      },
      expired: onSignedOut,
    }),
    [user, live.tell, onSignedOut],
  );
  // A device already on is bound to whoever is signed in now, with the current VAPID key.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per signed-in user, not per render
  useEffect(() => void resync().catch(() => undefined), [user.id]);
  return (
    <SessionContext.Provider value={session}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <Page route={route} />
      <Toasts />
    </SessionContext.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'groups':
    case 'signin':
    case 'signup':
      return <GroupsPage />;
    case 'group':
      return <GroupPage key={route.groupId} groupId={route.groupId} />;
    case 'bill':
      return <BillPage key={route.billId} billId={route.billId} />;
    case 'join':
      return <JoinPage key={route.token} token={route.token} />;
    case 'notification-settings':
      return <NotificationSettingsPage />;
    case 'not-found':
      return (
        <main id="main" className="page">
          <PageTitle>Page not found</PageTitle>
          <Link to={paths.groups()}>Back to your groups</Link>
        </main>
      );
    default:
      return route satisfies never;
  }
}

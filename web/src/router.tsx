// A small history-API router: the paths are few, and deep links must survive a reload (the server
// answers every HTML GET with index.html).
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type Route =
  | { name: 'groups' }
  | { name: 'group'; groupId: string }
  | { name: 'bill'; billId: string }
  | { name: 'signin' }
  | { name: 'signup' }
  | { name: 'join'; token: string }
  | { name: 'notification-settings' }
  | { name: 'not-found' };

const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());
window.addEventListener('popstate', emit);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  emit();
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}

export function parseRoute(path: string): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: 'groups' };
  if (parts.length === 1 && parts[0] === 'signin') return { name: 'signin' };
  if (parts.length === 1 && parts[0] === 'signup') return { name: 'signup' };
  if (parts.length === 2 && parts[0] === 'groups') return { name: 'group', groupId: parts[1] };
  if (parts.length === 2 && parts[0] === 'bills') return { name: 'bill', billId: parts[1] };
  if (parts.length === 2 && parts[0] === 'join') return { name: 'join', token: parts[1] };
  if (parts.length === 2 && parts[0] === 'settings' && parts[1] === 'notifications') return { name: 'notification-settings' };
  return { name: 'not-found' };
}

export const paths = {
  groups: () => '/',
  group: (groupId: string) => `/groups/${encodeURIComponent(groupId)}`,
  /** With its group when known, so a bill deleted meanwhile still leads back to its group. */
  bill: (billId: string, groupId?: string) =>
    `/bills/${encodeURIComponent(billId)}${groupId ? `?group=${encodeURIComponent(groupId)}` : ''}`,
  join: (token: string) => `/join/${encodeURIComponent(token)}`,
  notificationSettings: () => '/settings/notifications',
};

/** An ordinary link (open in new tab keeps working) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={click} {...rest} />;
}

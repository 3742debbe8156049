// Who is signed in. The session itself is the server's HttpOnly cookie; this only remembers the user.
import { createContext, useContext } from 'react';
import type { User } from '../../src/contract/schemas.ts';

export type Session = {
  user: User;
  signOut(): Promise<void>;
  /** The server no longer knows the session (expired, or signed out elsewhere): back to sign-in. */
  expired(): void;
};

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

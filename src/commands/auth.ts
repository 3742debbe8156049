// Accounts and sessions. Session tokens are 32 random bytes; only their SHA-256 is stored, so a leaked
// database does not leak usable tokens.
import { hash, randomBytes } from 'node:crypto';
import { AppError, invalid } from '../domain/errors.ts';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from '../domain/password.ts';
import { newId } from '../domain/ids.ts';
import { lookupSpellings, requireCanonicalEmail } from '../domain/email.ts';
import type { RegisterBody, LoginBody, PasswordBody, User } from '../contract/schemas.ts';
import type { Ops, UserRow } from '../store/store.ts';
import type { Deps } from './deps.ts';
import type { TwoPhase } from './unit-of-work.ts';
import { presentUser } from '../present/entities.ts';
import { activatePending } from './members.ts';

// crypto.hash: the one-shot form, a third of createHash().update().digest()'s cost (0.25 against 0.7 µs here).
export const hashToken = (token: string) => hash('sha256', token, 'hex');

async function startSession(ops: Ops, now: Date, sessionTtlMs: number, userId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await ops.insertSession(hashToken(token), userId, now.toISOString(), new Date(now.getTime() + sessionTtlMs).toISOString());
  return token;
}

type Registration = { email: string; name: string; passwordHash: string };

/** The account and its first session commit together; the password is hashed before, outside the transaction. */
export const register: TwoPhase<RegisterBody, Registration, { user: User; token: string }> = {
  async prepare(input) {
    const email = requireCanonicalEmail(input.email);
    const name = input.name.trim();
    const passwordHash = await hashPassword(input.password);
    return { email, name, passwordHash };
  },
  async run(cx, { email, name, passwordHash }) {
    const { tx, now, sessionTtlMs } = cx;
    const row = { id: newId(), name, email, passwordHash, createdAt: now().toISOString() };
    // The address may be a pending member's (issue 16): that row becomes this account (./members.ts).
    const user = (await tx.insertUser(row)) ? row : await activatePending(cx, row);
    if (!user)
      throw new AppError('email_taken', 'An account with this email already exists', [{ path: 'email', message: 'is already registered' }]);
    return { user: presentUser(user), token: await startSession(tx, now(), sessionTtlMs, user.id) };
  },
};

/** The account an address names (domain/email.ts), or one registered before that rule under this exact spelling. */
export async function findAccount(ops: Pick<Deps['store']['read'], 'findUserByEmail'>, email: string) {
  for (const spelling of lookupSpellings(email)) {
    const found = await ops.findUserByEmail(spelling);
    if (found) return found;
  }
  return undefined;
}

export async function login(deps: Deps, input: LoginBody): Promise<{ user: User; token: string }> {
  // No 400 for a refused spelling here: it names no account, so it is wrong credentials like any other.
  // A pending member (issue 16) has no password and cannot sign in: it is answered as an unknown address.
  const account = await findAccount(deps.store.read, input.email);
  const found = account?.pending ? undefined : account;
  // Verify against a dummy hash for unknown emails: same message, same cost, so accounts cannot be enumerated.
  const ok = await verifyPassword(input.password, found?.passwordHash ?? (await DUMMY_HASH_PROMISE));
  if (!found || !ok) throw new AppError('bad_credentials', 'Email or password is wrong');
  return { user: presentUser(found), token: await startSession(deps.store.read, deps.now(), deps.sessionTtlMs, found.id) };
}

/** Who a request acts for, and the session it came with (live streams belong to it: notify/hub.ts). */
export type Caller = { user: UserRow; tokenHash: string; expiresAt: string };

export async function logout(deps: Deps, caller: Caller): Promise<void> {
  await deps.store.read.deleteSession(caller.tokenHash);
}

/** Ends every session of the caller's account, the caller's own included. */
export async function logoutAll(deps: Deps, caller: Caller): Promise<void> {
  await deps.store.read.deleteUserSessions(caller.user.id, undefined);
}

/**
 * Sets a new password after checking the current one, and ends every other session of the account in the
 * same transaction (whoever held one may be who the user is changing the password against); the caller's
 * session stays. Both scrypt runs happen before the transaction, outside it.
 */
export const changePassword: TwoPhase<{ caller: Caller; input: PasswordBody }, { caller: Caller; passwordHash: string }, void> = {
  async prepare({ caller, input }, read) {
    const stored = await read.findPasswordHash(caller.user.id);
    const ok = await verifyPassword(input.current, stored ?? (await DUMMY_HASH_PROMISE));
    if (!stored || !ok) throw invalid('current', 'is not the current password of this account');
    return { caller, passwordHash: await hashPassword(input.next) };
  },
  async run({ tx }, { caller, passwordHash }) {
    await tx.setPasswordHash(caller.user.id, passwordHash);
    await tx.deleteUserSessions(caller.user.id, caller.tokenHash);
  },
};

export async function authenticate(deps: Deps, token: string): Promise<Caller | undefined> {
  if (token.length === 0 || token.length > 200) return undefined;
  const tokenHash = hashToken(token);
  const found = await deps.store.read.findSession(tokenHash);
  // ISO 8601 UTC strings compare in time order.
  if (!found || found.expiresAt <= deps.now().toISOString()) return undefined;
  return { user: found.user, tokenHash, expiresAt: found.expiresAt };
}

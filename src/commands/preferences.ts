// Notification preferences per type and channel (push, email); src/notify/deliveries/preferences.ts has
// the defaults and how stored rows override them.
import { invalid } from '../domain/errors.ts';
import { NOTIFICATION_TYPES } from '../contract/events.ts';
import type { PreferencesBody } from '../contract/schemas.ts';
import type { PreferenceRow, UserRow } from '../store/store.ts';
import { ALL_TYPES, choiceFor, preferencesOf, type Preferences } from '../notify/deliveries/preferences.ts';
import type { Deps } from './deps.ts';
import type { Context } from './unit-of-work.ts';

export async function getPreferences(deps: Deps, actor: UserRow): Promise<Preferences> {
  return preferencesOf(await deps.store.read.preferencesOf([actor.id]));
}

export async function putPreferences({ tx }: Context, { actor, input }: { actor: UserRow; input: PreferencesBody }): Promise<Preferences> {
  const entries = Object.entries(input.preferences);
  const unknown = entries.filter(([type]) => !(NOTIFICATION_TYPES as readonly string[]).includes(type));
  if (unknown.length > 0) throw invalid(`preferences.${unknown[0][0]}`, `is not a notification type (${NOTIFICATION_TYPES.join(', ')})`);
  const stored = await tx.preferencesOf([actor.id]);
  const rows: PreferenceRow[] = [];
  // After a one-click unsubscribe the whole channel is off; turning email on for a type lifts that, and
  // every other type keeps email off as it was (written out, so lifting the switch turns on only what was asked).
  const allOff = stored.some((r) => r.type === ALL_TYPES && r.email === false);
  if (allOff && entries.some(([, c]) => c.email === true)) {
    for (const type of NOTIFICATION_TYPES)
      if (choiceFor(stored, type).email === false) rows.push({ userId: actor.id, type, push: null, email: false });
    await tx.deletePreference(actor.id, ALL_TYPES);
  }
  for (const [type, c] of entries) rows.push({ userId: actor.id, type, push: c.push ?? null, email: c.email ?? null });
  await tx.setPreferences(rows);
  return preferencesOf(await tx.preferencesOf([actor.id]));
}

/** One-click unsubscribe (RFC 8058): the user's email channel off, whatever the types. */
export async function unsubscribeEmail({ tx }: Context, { userId }: { userId: string }): Promise<boolean> {
  if (!(await tx.getUser(userId))) return false;
  await tx.setPreferences([{ userId, type: ALL_TYPES, push: null, email: false }]);
  return true;
}

// Which channels a notification type uses for a user: the defaults below, then what the user changed
// (stored rows, src/store/migrations/sqlite/0007_offline_channels.sql). The inbox and the live streams are
// never switched off; only push and email are. The types come from the contract (NOTIFICATION_TYPES), so a
// new type has preferences without a change here.
import { NOTIFICATION_TYPES, type NotificationType } from '../../contract/events.ts';
import type { PreferenceRow } from '../../store/store.ts';

export type ChannelChoice = { push: boolean; email: boolean };
export type Preferences = Record<NotificationType, ChannelChoice>;

/** The row a one-click unsubscribe writes (RFC 8058): email off for every type, those added later included. */
export const ALL_TYPES = '*';

/** Money a user owes or is owed is worth an email by default; everything else is push only. */
const EMAIL_BY_DEFAULT: ReadonlySet<string> = new Set<NotificationType>(['bill.created', 'bill.paid', 'bill.cancelled']);

export const defaultChoice = (type: string): ChannelChoice => ({ push: true, email: EMAIL_BY_DEFAULT.has(type) });

/** One user's effective choice for `type`, from that user's stored rows. */
export function choiceFor(rows: readonly PreferenceRow[], type: string): ChannelChoice {
  const own = rows.find((r) => r.type === type);
  const all = rows.find((r) => r.type === ALL_TYPES);
  const base = defaultChoice(type);
  return {
    push: own?.push ?? base.push,
    email: all?.email === false ? false : (own?.email ?? base.email),
  };
}

/** Every stored type with its effective choice (GET /api/me/notification-preferences). */
export function preferencesOf(rows: readonly PreferenceRow[]): Preferences {
  return Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, choiceFor(rows, t)])) as Preferences;
}

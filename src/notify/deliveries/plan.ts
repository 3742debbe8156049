// Durable deliveries: every stored notification gets its pending push and email deliveries in the same
// transaction that stores it (the unit of work calls plan() just before COMMIT, src/commands/unit-of-work.ts).
// So a notification and the promise to deliver it commit together: a crash before COMMIT loses both, one
// after it loses neither, and the worker (./worker.ts) resumes from the table after a restart.
//
// Why in the transaction rather than a worker reading ids past a stored watermark: the watermark worker
// would scan every user's notifications (or a per-user watermark row per write) and still need per-channel
// state for retries; here the write costs two indexed reads (preferences, subscriptions) and one INSERT of
// only the rows that will be sent, and the rows themselves are the retry state.
import type { DeliveryRow, NotificationRow, Ops } from '../../store/store.ts';
import { choiceFor } from './preferences.ts';

export type PlanSettings = {
  /** Push is planned only when a VAPID subject exists (./vapid.ts). */
  push: boolean;
  email: boolean;
  pushDelayMs: number;
  pushTtlMs: number;
  emailDelayMs: number;
};

/** An email that cannot be sent for this long (SMTP down) is given up: a digest of week-old news helps no one. */
export const EMAIL_LIFETIME_MS = 3 * 86_400_000;

const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

export type Planner = {
  /** Inside the writing transaction: the deliveries of these freshly stored notifications. */
  plan(tx: Ops, notifications: readonly NotificationRow[]): Promise<void>;
  /** After COMMIT: the earliest of them is due then (the worker wakes for it). */
  committed(notifications: readonly NotificationRow[]): void;
};

export function planner(settings: PlanSettings, wake: (atMs: number) => void): Planner {
  return {
    async plan(tx, notifications) {
      if (notifications.length === 0 || (!settings.push && !settings.email)) return;
      const userIds = [...new Set(notifications.map((n) => n.userId))];
      const preferences = await tx.preferencesOf(userIds);
      const subscriptions = settings.push ? await tx.listPushSubscriptions(userIds) : [];
      const rows: DeliveryRow[] = [];
      for (const n of notifications) {
        const choice = choiceFor(
          preferences.filter((p) => p.userId === n.userId),
          n.type,
        );
        if (choice.push) {
          for (const s of subscriptions) {
            if (s.userId !== n.userId) continue;
            rows.push({
              userId: n.userId,
              notificationId: n.id,
              channel: 'push',
              target: s.id,
              dueAt: later(n.createdAt, settings.pushDelayMs),
              expiresAt: later(n.createdAt, settings.pushTtlMs),
              attempts: 0,
            });
          }
        }
        if (settings.email && choice.email) {
          rows.push({
            userId: n.userId,
            notificationId: n.id,
            channel: 'email',
            target: '',
            dueAt: later(n.createdAt, settings.emailDelayMs),
            expiresAt: later(n.createdAt, EMAIL_LIFETIME_MS),
            attempts: 0,
          });
        }
      }
      if (rows.length > 0) await tx.insertDeliveries(rows);
    },
    committed(notifications) {
      if (notifications.length === 0 || !settings.push) return;
      let earliest = Infinity;
      for (const n of notifications) earliest = Math.min(earliest, Date.parse(n.createdAt));
      wake(earliest + settings.pushDelayMs);
    },
  };
}

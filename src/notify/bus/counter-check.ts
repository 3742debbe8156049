// The safety net of a bus that may drop a message (NATS core is at-most-once; a writer can die between
// COMMIT and publish; a lost connection drops what was in flight): once a period, one batched query reads
// the last notification id of every user with a stream here, and each stream behind it reads what it missed
// from the store (src/notify/hub.ts resyncBehind). A missed message thus arrives within one period; a stream
// that is merely waiting for a message in flight reads it from the store, and the late message is dropped by id.
import type { Ops } from '../../store/store.ts';
import type { BusHub } from './bus.ts';

/** Users per query (well under either database's bound on parameters). */
const USER_BATCH = 1000;

export type CounterCheck = { stop(): void /** Runs a check now (unless one is running). */; now(): Promise<void> };

export function startCounterCheck(
  hub: BusHub,
  store: Pick<Ops, 'notificationCounters'>,
  periodMs: number,
  onError: (err: unknown) => void,
): CounterCheck {
  let running: Promise<void> | undefined;
  let stopped = false;

  async function check() {
    const users = hub.streamUsers();
    for (let i = 0; i < users.length && !stopped; i += USER_BATCH) {
      hub.resyncBehind(await store.notificationCounters(users.slice(i, i + USER_BATCH)));
    }
  }

  const now = () =>
    (running ??= check()
      .catch(onError) // the store is unreachable: the next period asks again
      .finally(() => (running = undefined)));

  const timer = setInterval(() => void now(), periodMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    now,
  };
}

// Tells the server what the user has seen on a visible page (POST /api/notifications/seen {upTo}): a push
// for it is then not sent (issue 14, "seen live suppresses push"). Bursts are folded into one request
// with the highest id; an id at or below one already sent is not sent again.
import { useEffect } from 'react';
import { api } from '../api.ts';

/** Short next to the server's push delay (PUSH_DELAY_SECONDS, default 10 s), long enough to fold a burst. */
const DEBOUNCE_MS = 500;

type Pending = { highest: bigint; sent: bigint; timer: ReturnType<typeof setTimeout> | undefined };
/** Per user: ids are the user's own, and another account may sign in on the same tab. */
const pending = new Map<string, Pending>();

/** Reports `id` as seen if this tab is visible now. */
export function reportSeen(userId: string, id: string) {
  if (document.visibilityState !== 'visible' || !/^(0|[1-9][0-9]{0,15})$/.test(id)) return;
  let p = pending.get(userId);
  if (!p) pending.set(userId, (p = { highest: -1n, sent: -1n, timer: undefined }));
  const n = BigInt(id);
  if (n > p.highest) p.highest = n;
  if (p.highest <= p.sent || p.timer) return;
  const state = p;
  state.timer = setTimeout(() => void flush(state), DEBOUNCE_MS);
}

async function flush(p: Pending) {
  p.timer = undefined;
  const upTo = p.highest;
  if (upTo <= p.sent) return;
  const before = p.sent;
  p.sent = upTo;
  try {
    await api.markSeen({ upTo: String(upTo) });
  } catch {
    // Lost: the push may still come, which is the safe side. A later report may send it again.
    if (p.sent === upTo) p.sent = before;
  }
}

/**
 * Reports the highest of `ids` (notifications the page shows) while the tab is visible: now, and again
 * whenever the tab becomes visible while they are still shown.
 */
export function useSeenWhileVisible(userId: string, ids: readonly string[]) {
  const top = highestOf(ids);
  useEffect(() => {
    if (top === undefined) return;
    reportSeen(userId, top);
    const onVisible = () => reportSeen(userId, top);
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [userId, top]);
}

function highestOf(ids: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const id of ids) if (best === undefined || id.length > best.length || (id.length === best.length && id > best)) best = id;
  return best;
}

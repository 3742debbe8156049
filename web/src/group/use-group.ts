// A group page's data (group, bills newest first, balances), refreshed when anything about it changes:
// its group.updated message, a notification about it, or the stream coming back after a gap.
import { useRef } from 'react';
import type { Bill } from '../../../src/contract/schemas.ts';
import type { Notification } from '../../../src/contract/events.ts';
import { api } from '../api.ts';
import { useLiveEvent } from '../live/live-context.tsx';
import { useLoader } from '../use-loader.ts';

const PAGE = 50;

/** Every notification type names its group (src/contract/events.ts). */
export function groupIdOf(n: Notification): string {
  return n.data.group.id;
}

export function useGroup(groupId: string) {
  const pages = useRef(1);
  const group = useLoader(() => api.getGroup(groupId), [groupId]);
  // Reloading walks as many pages as are shown, so "show older" survives a live refresh.
  const bills = useLoader(async () => {
    const list: Bill[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < pages.current; i++) {
      const r = await api.listBills(groupId, { limit: PAGE, cursor });
      list.push(...r.bills);
      cursor = r.nextCursor ?? undefined;
      if (!cursor) break;
    }
    return { bills: list, more: cursor !== undefined };
  }, [groupId]);
  const balances = useLoader(() => api.balances(groupId), [groupId]);

  const reload = () => {
    group.reload();
    bills.reload();
    balances.reload();
  };

  useLiveEvent((e) => {
    if (
      e.type === 'resynced' ||
      (e.type === 'group.updated' && e.groupId === groupId) ||
      (e.type === 'notification' && groupIdOf(e.notification) === groupId)
    ) {
      reload();
    }
  });

  return {
    group,
    bills,
    balances,
    reload,
    showOlder() {
      pages.current++;
      bills.reload();
    },
  };
}

// A group page's data (group, bills newest first, balances), refreshed when anything about it changes:
// its group.updated hint, a notification about it, or the stream coming back after a gap.
//
// The group is fetched first and its `version` (the group's change counter, read before the rest of its
// answer) is kept; the bills and balances are fetched after it, so everything shown is at least that new.
// A hint whose version is not above it is skipped: the change it announces is already on the page (the
// receiver's own notification, or the actor's own action, usually brought it). Hints refetch at most once
// per hint window (../live/hint-window.ts).
import { useRef } from 'react';
import type { BalancesResponse, Bill, Group, PaymentsResponse } from '../../../src/contract/schemas.ts';
import type { Notification } from '../../../src/contract/events.ts';
import { api } from '../api.ts';
import { useLiveEvent } from '../live/live-context.tsx';
import { useHintWindow } from '../live/hint-window.ts';
import { useLoader, type Loaded } from '../use-loader.ts';

const PAGE = 50;

/** Every notification type names its group (src/contract/events.ts). */
export function groupIdOf(n: Notification): string {
  return n.data.group.id;
}

type Page = { group: Group; bills: { bills: Bill[]; more: boolean }; balances: BalancesResponse; payments: PaymentsResponse };

export function useGroup(groupId: string) {
  const pages = useRef(1);
  /** The newest version of `knownFor` whose data the page has fetched (0: none yet). */
  const known = useRef(0);
  const knownFor = useRef(groupId);
  /** The newest version a hint announced for it. */
  const hinted = useRef(0);
  if (knownFor.current !== groupId) {
    knownFor.current = groupId;
    known.current = 0;
    hinted.current = 0;
  }
  const page = useLoader(async (): Promise<Page> => {
    const { group } = await api.getGroup(groupId);
    // Reloading walks as many pages as are shown, so "show older" survives a live refresh.
    const billsLoad = (async () => {
      const list: Bill[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < pages.current; i++) {
        const r = await api.listBills(groupId, { limit: PAGE, cursor });
        list.push(...r.bills);
        cursor = r.nextCursor ?? undefined;
        if (!cursor) break;
      }
      return { bills: list, more: cursor !== undefined };
    })();
    const [bills, balances, payments] = await Promise.all([billsLoad, api.balances(groupId), api.listPayments(groupId, { limit: PAGE })]);
    // A load for a group the page has left since says nothing about the one it shows.
    if (knownFor.current === groupId) known.current = Math.max(known.current, group.version ?? 0);
    return { group, bills, balances, payments };
  }, [groupId]);

  const reload = page.reload;
  const refetchForHint = useHintWindow(() => {
    if (hinted.current > known.current) reload();
  });

  useLiveEvent((e) => {
    if (e.type === 'group.updated') {
      if (e.groupId !== groupId || e.version <= known.current) return;
      hinted.current = Math.max(hinted.current, e.version);
      refetchForHint();
    } else if (e.type === 'resynced' || (e.type === 'notification' && groupIdOf(e.notification) === groupId)) {
      reload();
    }
  });

  const part = <T>(pick: (p: Page) => T): Loaded<T> => ({ data: page.data && pick(page.data), error: page.error, reload });
  return {
    group: part((p) => ({ group: p.group })),
    bills: part((p) => p.bills),
    balances: part((p) => p.balances),
    payments: part((p) => p.payments),
    reload,
    showOlder() {
      pages.current++;
      reload();
    },
  };
}

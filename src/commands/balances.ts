import { netBalances, settle } from '../domain/balances.ts';
import type { BalancesResponse } from '../contract/schemas.ts';
import type { UserRow } from '../store/store.ts';
import type { Deps } from './deps.ts';
import { visibleGroup } from './access.ts';

/** Reads the per-pair unpaid totals kept by the writing transactions: cost depends on members, not bills. */
export async function groupBalances(deps: Deps, actor: UserRow, groupId: string): Promise<BalancesResponse> {
  const ops = deps.store.read;
  const group = await visibleGroup(ops, groupId, actor.id);
  const [members, debts] = await Promise.all([ops.listMembers(groupId), ops.listDebts(groupId)]);
  const balances = netBalances(
    members.map((m) => m.id),
    debts.map((d) => ({ from: d.debtorId, to: d.creditorId, amount: d.amount })),
  );
  return { currency: group.currency, balances, settlements: settle(balances) };
}

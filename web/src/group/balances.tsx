// Who owes whom in a group, and the fewest transfers that would settle it.
import type { BalancesResponse, Group } from '../../../src/contract/schemas.ts';
import { money } from '../format.ts';

export function Balances({ balances, group, me }: { balances: BalancesResponse | undefined; group: Group; me: string }) {
  const nameOf = (id: string) => {
    const name = group.members.find((m) => m.id === id)?.name ?? 'Someone';
    return id === me ? `${name} (you)` : name;
  };
  return (
    <section className="card balances" aria-labelledby="balances-title">
      <h2 id="balances-title">Balances</h2>
      {!balances ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <ul className="balance-list">
            {balances.balances.map((b) => (
              <li key={b.userId} data-user-id={b.userId} data-net={b.net}>
                <span>{nameOf(b.userId)}</span>
                <span className={b.net > 0 ? 'owed' : b.net < 0 ? 'owes' : 'even'}>
                  {b.net > 0 ? `is owed ${money(b.net, balances.currency)}` : b.net < 0 ? `owes ${money(-b.net, balances.currency)}` : 'settled up'}
                </span>
              </li>
            ))}
          </ul>
          <h3>Suggested settlements</h3>
          {balances.settlements.length === 0 ? (
            <p className="muted settlements-empty">Everyone is settled up.</p>
          ) : (
            <ul className="settlements">
              {balances.settlements.map((s) => (
                <li key={`${s.from}-${s.to}`}>
                  {nameOf(s.from)} pays {nameOf(s.to)} <strong>{money(s.amount, balances.currency)}</strong>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

// Who owes whom in a group, and the fewest transfers that would settle it.
import { useState } from 'react';
import type { BalancesResponse, Group } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { money } from '../format.ts';
import { formErrorsOf } from '../problem.ts';

export function Balances({
  balances,
  group,
  me,
  onChanged,
}: {
  balances: BalancesResponse | undefined;
  group: Group;
  me: string;
  onChanged?(): void;
}) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // "Record this payment": the reader pays a suggested settlement; it counts once the payee confirms it.
  async function record(to: string, amount: number) {
    setBusy(true);
    setError(undefined);
    try {
      await api.recordPayment(group.id, { to, amount });
      onChanged?.();
    } catch (e) {
      setError(formErrorsOf(e, [])['']);
    } finally {
      setBusy(false);
    }
  }
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
                  {b.net > 0
                    ? `is owed ${money(b.net, balances.currency)}`
                    : b.net < 0
                      ? `owes ${money(-b.net, balances.currency)}`
                      : 'settled up'}
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
                  {s.from === me && !group.members.find((m) => m.id === s.to)?.pending && (
                    <button
                      type="button"
                      className="secondary record-settlement"
                      disabled={busy}
                      onClick={() => void record(s.to, s.amount)}
                    >
                      Record this payment
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <FormError message={error} />
        </>
      )}
    </section>
  );
}

// A bill's history: each version, who made it and what changed, oldest first.
import type { Group, Revision } from '../../../src/contract/schemas.ts';
import { dateTime, money } from '../format.ts';

export function BillHistory({ revisions, group, currency }: { revisions: Revision[] | undefined; group: Group; currency: string }) {
  const nameOf = (id: string) => group.members.find((m) => m.id === id)?.name ?? 'Someone';
  const show = (field: string, value: unknown): string => {
    if (field === 'amount' && typeof value === 'number') return money(value, currency);
    if (field === 'shares' && Array.isArray(value))
      return value.map((s: { userId: string; amount: number }) => `${nameOf(s.userId)} ${money(s.amount, currency)}`).join(', ');
    return JSON.stringify(value);
  };
  return (
    <section className="card bill-history" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {!revisions ? (
        <p className="muted">Loading…</p>
      ) : (
        <ol className="revisions">
          {revisions.map((r) => (
            <li key={r.version} data-version={r.version}>
              <strong>Version {r.version}</strong> · {r.actor.name} · <time dateTime={r.at}>{dateTime(r.at)}</time>
              {r.version === 1 ? (
                <span> — created</span>
              ) : (
                <ul>
                  {Object.entries(r.changes).map(([field, c]) => (
                    <li key={field}>
                      {field}: {show(field, c.from)} → {show(field, c.to)}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

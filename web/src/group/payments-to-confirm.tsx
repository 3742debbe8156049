// Payments addressed to the reader that wait for their word, shown in "your position": confirming one is
// what settles a debt for the one who is owed (until then it does not count in the balances).
import type { Group, Payment } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { useAction } from '../components/use-action.ts';
import { money } from '../format.ts';
import { problemSentence } from '../problem.ts';

export function PaymentsToConfirm({
  payments,
  group,
  me,
  onChanged,
}: {
  payments: Payment[] | undefined;
  group: Group;
  me: string;
  onChanged(): void;
}) {
  const { busy, error, act } = useAction(onChanged, problemSentence);
  const waiting = (payments ?? []).filter((p) => p.to === me && p.status === 'pending');
  if (waiting.length === 0 && !error) return null;
  const nameOf = (id: string) => group.members.find((m) => m.id === id)?.name ?? 'Someone';

  return (
    <>
      <ul className="position-list to-confirm">
        {waiting.map((p) => {
          const what = `${money(p.amount, p.currency)} from ${nameOf(p.from)}`;
          return (
            <li key={p.id}>
              <span>
                {nameOf(p.from)} says they paid you {money(p.amount, p.currency)}.
              </span>
              <button type="button" aria-disabled={busy || undefined} onClick={() => void act(() => api.confirmPayment(p.id))}>
                Confirm<span className="visually-hidden"> {what}</span>
              </button>
              <button
                type="button"
                className="secondary"
                aria-disabled={busy || undefined}
                onClick={() => void act(() => api.disputePayment(p.id))}
              >
                Dispute<span className="visually-hidden"> {what}</span>
              </button>
            </li>
          );
        })}
      </ul>
      <FormError message={error} />
    </>
  );
}

// Where the reader stands in the group, first on the page: "You are owed €275.00", "You owe Alice €30.00",
// or "You are settled up", with what settles it: for each transfer the reader owes, the payment form
// filled in with it (recorded once the reader presses its button; it counts once the payee confirms).
// A payment waiting for the reader's confirmation is offered here too (./payments-to-confirm.tsx).
// The figures are the balances' own (net and the fewest settlements), so this card never disagrees with them.
import type { ReactNode } from 'react';
import type { BalancesResponse, Group, Payment } from '../../../src/contract/schemas.ts';
import { money } from '../format.ts';
import { PaymentsToConfirm } from './payments-to-confirm.tsx';

export type PaymentDraft = { to: string; amount: number };

export function YourPosition({
  balances,
  payments,
  group,
  me,
  onSettle,
  onChanged,
}: {
  balances: BalancesResponse | undefined;
  /** Recorded payments: one of the reader's still waiting for its payee is not offered again. */
  payments: Payment[] | undefined;
  group: Group;
  me: string;
  onSettle(draft: PaymentDraft): void;
  onChanged(): void;
}) {
  const member = (id: string) => group.members.find((m) => m.id === id);
  const nameOf = (id: string) => member(id)?.name ?? 'Someone';
  const fmt = (amount: number) => money(amount, group.currency);
  const alone = group.members.length === 1;
  const waiting = (to: string) =>
    (payments ?? []).filter((p) => p.from === me && p.to === to && p.status === 'pending').reduce((sum, p) => sum + p.amount, 0);

  let headline: string;
  let tone = 'even';
  let body: ReactNode = null;
  if (!balances) {
    headline = 'Loading…';
  } else {
    const net = balances.balances.find((b) => b.userId === me)?.net ?? 0;
    const mine = balances.settlements.filter((s) => s.from === me);
    const toMe = balances.settlements.filter((s) => s.to === me);
    if (net > 0) {
      tone = 'owed';
      headline = `You are owed ${fmt(net)}`;
      body = toMe.length > 0 && (
        <ul className="position-list">
          {toMe.map((s) => (
            <li key={s.from}>
              {nameOf(s.from)} owes you {fmt(s.amount)}
            </li>
          ))}
        </ul>
      );
    } else if (net < 0) {
      tone = 'owes';
      headline = mine.length === 1 ? `You owe ${nameOf(mine[0].to)} ${fmt(mine[0].amount)}` : `You owe ${fmt(-net)}`;
      body = (
        <ul className="position-list">
          {mine.map((s) => (
            <li key={s.to}>
              {mine.length > 1 && (
                <span>
                  {nameOf(s.to)}: {fmt(s.amount)}
                </span>
              )}
              {waiting(s.to) ? (
                // Pending payments do not count until confirmed: offering the same one again invites paying twice.
                <span className="muted">
                  {' '}
                  Your payment of {fmt(waiting(s.to))} is waiting for {nameOf(s.to)} to confirm it.
                </span>
              ) : member(s.to)?.pending ? (
                // A pending member could not confirm a payment until they join (the API answers 409 member_pending).
                <span className="muted"> {nameOf(s.to)} has not joined yet: pay them once they do.</span>
              ) : (
                <button type="button" className="settle" onClick={() => onSettle({ to: s.to, amount: s.amount })}>
                  Pay {nameOf(s.to)} {fmt(s.amount)}
                  <span className="visually-hidden">: fill in the payment form</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      );
    } else {
      headline = alone ? 'Add the people you share bills with' : 'You are settled up';
    }
  }

  return (
    <section className={`card position ${tone}`} aria-labelledby="position-title" aria-busy={!balances || undefined}>
      {/* The headline is the heading: moving by headings, the reader's position is the first thing heard. */}
      <h2 id="position-title" className="position-headline">
        {headline}
      </h2>
      {body}
      <PaymentsToConfirm payments={payments} group={group} me={me} onChanged={onChanged} />
    </section>
  );
}

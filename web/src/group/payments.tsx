// Payments between members: record one ("Bob paid me back 40 in cash" is recorded by Bob), the list newest
// first, and Confirm / Dispute on a pending payment addressed to the reader. Only confirmed ones count.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Group, Payment } from '../../../src/contract/schemas.ts';
import { formatMinor, parseDecimalAmount } from '../../../src/domain/money.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { useAction } from '../components/use-action.ts';
import { dateTime, exponentOf, money } from '../format.ts';
import { formErrorsOf } from '../problem.ts';
import type { PaymentDraft } from './your-position.tsx';

const newKey = () => crypto.getRandomValues(new Uint32Array(4)).join('-');

export function Payments({
  group,
  me,
  payments,
  prefill,
  onChanged,
}: {
  group: Group;
  me: string;
  payments: Payment[] | undefined;
  /** A settlement to fill the form with ("Pay Alice €30.00" at the top); a new object each time it is asked. */
  prefill?: PaymentDraft;
  onChanged(): void;
}) {
  const nameOf = (id: string) => {
    const name = group.members.find((m) => m.id === id)?.name ?? 'Someone';
    return id === me ? `${name} (you)` : name;
  };
  // Not to a pending member: they could not confirm it until they join (the API answers 409 member_pending).
  const others = group.members.filter((m) => m.id !== me && !m.pending);
  const [to, setTo] = useState(others[0]?.id ?? '');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const { busy, error, setError, act } = useAction(onChanged, (e) => formErrorsOf(e, [])['']);
  const key = useRef(newKey());
  const amountInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!prefill) return;
    setTo(prefill.to);
    setAmount(formatMinor(prefill.amount, exponentOf(group.currency)));
    setError(undefined);
    // The reader checks the sum (it may be paid in parts) and records it: nothing is sent until they do.
    amountInput.current?.focus();
    amountInput.current?.scrollIntoView({ block: 'center' });
  }, [prefill, group.currency, setError]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const minor = parseDecimalAmount(amount.trim(), exponentOf(group.currency));
    if (minor === undefined || minor <= 0) return setError(`Enter an amount in ${group.currency}, like 12.50`);
    void act(async () => {
      await api.recordPayment(
        group.id,
        { to: to || others[0].id, amount: minor, ...(note.trim() ? { note: note.trim() } : {}) },
        key.current,
      );
      key.current = newKey();
      setAmount('');
      setNote('');
    });
  }

  return (
    <section className="card payments" aria-labelledby="payments-title">
      <h2 id="payments-title">Payments</h2>
      {others.length > 0 && (
        <form className="payment-form" onSubmit={submit} aria-label="Record a payment">
          <label>
            I paid
            <select aria-label="Paid to" value={to} onChange={(e) => setTo(e.target.value)} name="to">
              {others.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Sum paid ({group.currency})
            <input
              ref={amountInput}
              name="payment-amount"
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              required
            />
          </label>
          <label>
            Payment note
            <input name="payment-note" value={note} maxLength={200} onChange={(e) => setNote(e.target.value)} />
          </label>
          <button type="submit" disabled={busy}>
            Record a payment
          </button>
        </form>
      )}
      <FormError message={error} />
      {!payments ? (
        <p className="muted">Loading…</p>
      ) : payments.length === 0 ? (
        <p className="muted">No payments yet.</p>
      ) : (
        <ol className="payment-list">
          {payments.map((p) => (
            <li key={p.id} className={`payment ${p.status}`} data-payment-id={p.id} data-status={p.status}>
              <span>
                {nameOf(p.from)} paid {nameOf(p.to)} <strong>{money(p.amount, p.currency)}</strong>
                {p.note ? ` — ${p.note}` : ''} · <time dateTime={p.createdAt}>{dateTime(p.createdAt)}</time>
              </span>
              <span className="payment-status">{p.status === 'pending' ? 'waiting for confirmation' : p.status}</span>
              {p.status === 'pending' && p.to === me && (
                <span className="payment-actions">
                  <button type="button" disabled={busy} onClick={() => void act(() => api.confirmPayment(p.id))}>
                    Confirm
                  </button>
                  <button type="button" className="secondary" disabled={busy} onClick={() => void act(() => api.disputePayment(p.id))}>
                    Dispute
                  </button>
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

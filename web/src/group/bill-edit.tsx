// Editing a bill (its owner): description, day, notes, and the amount split equally among the same people.
// The edit names the version it started from; when someone else changed the bill meanwhile (412) the
// reader is told and the form shows the bill as it is now.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../../src/client/index.ts';
import type { Bill } from '../../../src/contract/schemas.ts';
import type { UpdateBillBody } from '../../../src/contract/schemas.ts';
import { formatMinor, parseDecimalAmount } from '../../../src/domain/money.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { exponentOf } from '../format.ts';
import { formErrorsOf } from '../problem.ts';

export function BillEdit({ bill, onSaved, onConflict }: { bill: Bill; onSaved(): void; onConflict(): void }) {
  const exponent = exponentOf(bill.currency);
  // The version this form started from: a live refresh of the page must not make a stale form current.
  const [version] = useState(bill.version);
  const [start] = useState(bill);
  const [description, setDescription] = useState(bill.description);
  const [date, setDate] = useState(bill.date);
  const [notes, setNotes] = useState(bill.notes);
  const [amount, setAmount] = useState(formatMinor(bill.amount, exponent));
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: UpdateBillBody = {};
    if (description.trim() !== start.description) body.description = description.trim();
    if (date !== start.date) body.date = date;
    if (notes !== start.notes) body.notes = notes;
    const minor = parseDecimalAmount(amount.trim(), exponent);
    if (minor === undefined || minor <= 0) return setError(`Enter an amount in ${bill.currency}, like 12.50`);
    if (minor !== start.amount) {
      body.amount = minor;
      body.split = { mode: 'equal', among: start.shares.map((s) => s.userId) };
    }
    if (Object.keys(body).length === 0) return onSaved();
    setBusy(true);
    setError(undefined);
    try {
      await api.updateBill(bill.id, version, body);
      onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        onConflict();
      } else {
        setError(formErrorsOf(err, [])['']);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card bill-edit" onSubmit={submit} aria-label="Edit bill">
      <h2>Edit bill</h2>
      <label>
        Description
        <input name="edit-description" value={description} maxLength={200} onChange={(e) => setDescription(e.target.value)} required />
      </label>
      <label>
        Day
        <input name="edit-date" type="date" value={date} onChange={(e) => setDate(e.target.value)} required />
      </label>
      <label>
        Amount ({bill.currency}), split equally among the same people
        <input name="edit-amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} required />
      </label>
      <label>
        Notes
        <textarea name="edit-notes" value={notes} maxLength={1000} onChange={(e) => setNotes(e.target.value)} />
      </label>
      <FormError message={error} />
      <button type="submit" disabled={busy}>
        Save changes
      </button>
    </form>
  );
}

// A new bill: description, amount, and one of four splits, with each member's part shown as it is typed.
import { useMemo, useRef, useState, type FormEvent } from 'react';
import type { Group } from '../../../src/contract/schemas.ts';
import { MAX_AMOUNT } from '../../../src/domain/money.ts';
import { api } from '../api.ts';
import { Field, FieldError, FormError } from '../components/field.tsx';
import { decimalSeparator, exponentOf, money } from '../format.ts';
import { focusFirstError, formErrorsOf, type FormErrors } from '../problem.ts';
import { inputRule, rules } from '../rules.ts';
import { DEFAULT_SHARES, MODES, MODE_KEY, checkDraft, emptyDraft, type Draft, type Mode } from './split-draft.ts';
import { SubmitButton } from '../components/submit-row.tsx';

const MODE_LABELS: Record<Mode, string> = { equal: 'Equally', exact: 'Exact amounts', percent: 'Percentages', shares: 'Shares' };
const INPUT_HINTS: Record<Exclude<Mode, 'equal'>, string> = { exact: 'amount', percent: 'percent', shares: 'shares' };

/** A key that makes a retried submit (double click, lost response) create the bill once. */
function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID(); // secure contexts only
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function BillForm({ group, me, onCreated }: { group: Group; me: string; onCreated(description: string): void }) {
  const memberIds = useMemo(() => group.members.map((m) => m.id), [group.members]);
  const exponent = exponentOf(group.currency);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [submitted, setSubmitted] = useState(false);
  const [apiErrors, setApiErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  const form = useRef<HTMLFormElement>(null);

  const checked = checkDraft(draft, memberIds, me, exponent, (minor) => money(minor, group.currency), decimalSeparator);
  const shown: Record<string, string> = { ...(submitted ? checked.errors : {}), ...apiErrors };
  const modeKey = MODE_KEY[draft.mode];

  const edit = (change: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setApiErrors({});
    key.current = newKey();
  };
  const editMember = (field: 'exact' | 'percent' | 'shares', id: string, value: string) =>
    edit({ [field]: { ...draft[field], [id]: value } });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setSubmitted(true);
    setApiErrors({});
    if (!checked.body) {
      // Focus the first field with something to fix (its message is read with it).
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    try {
      await api.createBill(group.id, checked.body, key.current);
      setDraft(emptyDraft());
      setSubmitted(false);
      key.current = newKey();
      // The one who shows this form says "Added …" and moves focus (it may close the form).
      onCreated(checked.body.description);
    } catch (err) {
      const fields = [
        'description',
        'amount',
        'split',
        ...MODES.flatMap((m) => [`split.${MODE_KEY[m]}`, ...memberIds.map((id) => `split.${MODE_KEY[m]}.${id}`)]),
      ];
      // The draft stays as typed (offline, or refused), so nothing has to be typed again.
      setApiErrors(
        formErrorsOf(err, fields, {
          fields: {
            description: rules.description.refused,
            amount: `Enter an amount more than zero, up to ${money(MAX_AMOUNT, group.currency)}.`,
          },
        }),
      );
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  const partOf = (id: string) => checked.parts?.find((p) => p.userId === id)?.amount;
  const splitError = [shown.split, shown[`split.${modeKey}`]].filter(Boolean).join(' ') || undefined;

  return (
    <form ref={form} className="bill-form" onSubmit={submit} noValidate aria-labelledby="bill-form-title">
      <h2 id="bill-form-title">Add a bill</h2>
      <p className="muted">You paid it; the others owe you their parts.</p>
      <div className="row">
        <Field
          id="bill-description"
          label="Description"
          className="grow"
          value={draft.description}
          {...inputRule(rules.description)}
          onChange={(e) => edit({ description: e.target.value })}
          error={shown.description}
        />
        <Field
          id="bill-amount"
          label={`Amount (${group.currency})`}
          inputMode={exponent === 0 ? 'numeric' : 'decimal'}
          autoComplete="off"
          required
          value={draft.amount}
          onChange={(e) => edit({ amount: e.target.value })}
          error={shown.amount}
          className="amount"
        />
      </div>
      <fieldset className="modes">
        <legend>Split</legend>
        {MODES.map((m) => (
          <label key={m} className="mode">
            <input type="radio" name="split-mode" value={m} checked={draft.mode === m} onChange={() => edit({ mode: m })} />
            {MODE_LABELS[m]}
          </label>
        ))}
      </fieldset>
      <fieldset className="parts" aria-describedby={splitError ? 'bill-split-error' : undefined}>
        <legend>Parts</legend>
        <ul className="part-list">
          {group.members.map((member) => {
            const id = member.id;
            const name = id === me ? `${member.name} (you)` : member.name;
            const inputId = `bill-${draft.mode}-${id}`;
            const error = shown[`split.${modeKey}.${id}`];
            const part = partOf(id);
            return (
              <li key={id} className="part-row">
                {draft.mode === 'equal' ? (
                  <label className="part-name check" htmlFor={inputId}>
                    <input
                      id={inputId}
                      type="checkbox"
                      checked={!draft.leftOut[id]}
                      onChange={(e) => edit({ leftOut: { ...draft.leftOut, [id]: !e.target.checked } })}
                    />
                    {name}
                  </label>
                ) : (
                  <>
                    <label className="part-name" htmlFor={inputId}>
                      {name}
                      <span className="visually-hidden">, {INPUT_HINTS[draft.mode]}</span>
                    </label>
                    <span className="part-input">
                      <input
                        id={inputId}
                        inputMode={draft.mode === 'shares' || (draft.mode === 'exact' && exponent === 0) ? 'numeric' : 'decimal'}
                        autoComplete="off"
                        value={draft[draft.mode][id] ?? (draft.mode === 'shares' ? DEFAULT_SHARES : '')}
                        onChange={(e) => editMember(draft.mode as 'exact' | 'percent' | 'shares', id, e.target.value)}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `${inputId}-error` : undefined}
                      />
                      {draft.mode === 'percent' && <span aria-hidden="true">%</span>}
                    </span>
                  </>
                )}
                {/* Not a live region (an <output> is one by default): every keystroke would announce every row. */}
                <output className="part-preview" htmlFor={inputId} data-part-for={id} aria-label={`${name} owes`} aria-live="off">
                  {part === undefined ? '—' : money(part, group.currency)}
                </output>
                <FieldError id={`${inputId}-error`} message={error} />
              </li>
            );
          })}
        </ul>
        {draft.mode === 'exact' && checked.unassigned !== undefined && checked.unassigned !== 0 && !splitError && (
          <p className="hint">
            {checked.unassigned > 0
              ? `${money(checked.unassigned, group.currency)} left to assign.`
              : `${money(-checked.unassigned, group.currency)} too much.`}
          </p>
        )}
        <FieldError id="bill-split-error" message={splitError} />
      </fieldset>
      <FormError message={shown['']} />
      <div className="actions">
        <SubmitButton label="Add bill" pending="Adding bill…" busy={busy} />
      </div>
    </form>
  );
}

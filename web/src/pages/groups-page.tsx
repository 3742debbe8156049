// Your groups, each with where you stand in it, and a new one with its currency.
import { useId, useRef, useState, type FormEvent } from 'react';
import { CURRENCY_CODES } from '../../../src/domain/money.ts';
import { api } from '../api.ts';
import { balanceWords, myBalances } from '../groups/my-balances.ts';
import { Field, FieldError, FormError } from '../components/field.tsx';
import { SubmitButton } from '../components/submit-row.tsx';
import { useFieldErrors } from '../components/use-field-errors.ts';
import { useLiveEvent } from '../live/live-context.tsx';
import { useHintWindow } from '../live/hint-window.ts';
import { focusFirstError, formErrorsOf } from '../problem.ts';
import { checkText, inputRule, rules } from '../rules.ts';
import { Link, navigate, paths } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoader } from '../use-loader.ts';
import { PageTitle } from './page-title.tsx';

export function GroupsPage() {
  const { user } = useSession();
  // One load for both, so a live refresh updates the list and its balances together.
  const groups = useLoader(async () => {
    const { groups: list } = await api.listGroups();
    return { groups: list, balances: await myBalances(list, user.id) };
  }, [user.id]);
  // Being added to a group arrives as a notification; membership changes elsewhere as group.updated.
  const refetchForHint = useHintWindow(groups.reload);
  useLiveEvent((e) => {
    if (e.type === 'group.updated') refetchForHint();
    else if (e.type !== 'inbox.stale') groups.reload();
  });

  return (
    <main id="main" className="page">
      <PageTitle>Your groups</PageTitle>
      {groups.error !== undefined && !groups.data && <FormError message="Could not load your groups. Reload to try again." />}
      {groups.data &&
        (groups.data.groups.length === 0 ? (
          <p className="muted">No groups yet. Create one below, or ask a friend to add you by email.</p>
        ) : (
          <ul className="group-list">
            {groups.data.groups.map((g) => {
              const mine = groups.data?.balances.get(g.id);
              return (
                <li key={g.id}>
                  <Link to={paths.group(g.id)} className="group-link">
                    <span className="group-name" title={g.name}>
                      {g.name}
                    </span>
                    <span className="muted">
                      {g.currency} · {g.members.length} {g.members.length === 1 ? 'member' : 'members'}
                    </span>
                    {mine && (
                      <span className={`group-balance ${mine.net > 0 ? 'owed' : mine.net < 0 ? 'owes' : 'even'}`}>
                        {balanceWords(mine)}
                      </span>
                    )}
                  </Link>
                </li>
              );
            })}
          </ul>
        ))}
      <NewGroup />
    </main>
  );
}

const currencyNames = new Intl.DisplayNames(undefined, { type: 'currency' });
const currencyLabel = (code: string) => {
  const name = currencyNames.of(code);
  return name && name !== code ? `${code} — ${name}` : code;
};

function NewGroup() {
  const [name, setName] = useState('');
  const [currency, setCurrency] = useState('USD');
  const [errors, setErrors, clear] = useFieldErrors();
  const [busy, setBusy] = useState(false);
  const currencyId = useId();
  const form = useRef<HTMLFormElement>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const problem = checkText(name, rules.groupName);
    if (problem) {
      setErrors({ name: problem });
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const { group } = await api.createGroup(name.trim(), currency);
      navigate(paths.group(group.id));
    } catch (err) {
      setErrors(
        formErrorsOf(err, ['name', 'currency'], {
          fallback: 'name',
          fields: { name: rules.groupName.refused, currency: 'Choose a currency from the list.' },
        }),
      );
      focusFirstError(form.current);
      setBusy(false);
    }
  }

  return (
    <form ref={form} className="card" onSubmit={submit} noValidate aria-labelledby="new-group-title">
      <h2 id="new-group-title">New group</h2>
      <div className="row">
        <Field
          id="group-name"
          label="Name"
          {...inputRule(rules.groupName)}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            clear('name');
          }}
          error={errors.name}
          className="grow"
        />
        <div className="field">
          <label htmlFor={currencyId}>Currency</label>
          <select
            id={currencyId}
            value={currency}
            onChange={(e) => setCurrency(e.target.value)}
            aria-describedby={errors.currency ? `${currencyId}-error` : undefined}
          >
            {CURRENCY_CODES.map((c) => (
              <option key={c} value={c}>
                {currencyLabel(c)}
              </option>
            ))}
          </select>
          <FieldError id={`${currencyId}-error`} message={errors.currency} />
        </div>
      </div>
      <FormError message={errors['']} />
      <SubmitButton label="Create group" pending="Creating group…" busy={busy} />
    </form>
  );
}

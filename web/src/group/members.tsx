// The group's members: their names, and behind "Add people" each one's email and who is pending (no account
// yet, removable), adding one by email or by name, sharing an invite link and leaving the group. It sits near the top of
// the page; the forms are folded away once the group has people, so on a phone they do not push the bills
// down, and open by themselves in a new group, where adding people is the first thing to do.
import { useRef, useState, type FormEvent } from 'react';
import type { Group } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { Field, FormError } from '../components/field.tsx';
import { focusFirstError, formErrorsOf, problemSentence, type FormErrors } from '../problem.ts';
import { checkText, rules } from '../rules.ts';
import { SubmitRow } from '../components/submit-row.tsx';
import { navigate, paths } from '../router.tsx';
import { InviteLink } from './invite-link.tsx';

export function Members({ group, me, onAdded }: { group: Group; me: string; onAdded(): void }) {
  const [who, setWho] = useState('');
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  const [refused, setRefused] = useState<string | undefined>(undefined);
  const form = useRef<HTMLFormElement>(null);
  const [open, setOpen] = useState(group.members.length === 1);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const value = who.trim();
    // An address has an @; anything else is the name of someone to add without one.
    const byEmail = value.includes('@');
    // The contract's rules, before sending: an email's shape, or a name's length.
    const problem =
      value === ''
        ? 'Enter their email address, or a name for someone without an account.'
        : checkText(who, byEmail ? rules.memberEmail : rules.groupName);
    if (problem) {
      setErrors({ who: problem === rules.groupName.empty ? 'Enter a name.' : problem });
      setDone('');
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    setErrors({});
    setDone('');
    try {
      const r = await api.addMember(group.id, byEmail ? { email: value } : { name: value });
      const added = byEmail ? r.group.members.find((m) => (m.email ?? '').toLowerCase() === value.toLowerCase()) : r.group.members.at(-1);
      setDone(added?.pending ? `Added ${added.name} (not signed up yet).` : `Added ${added?.name ?? value}.`);
      setWho('');
      onAdded();
    } catch (err) {
      // 409 "already a member" and 400s belong next to the field.
      const found = formErrorsOf(err, ['email', 'name'], {
        fallback: 'email',
        fields: { email: rules.memberEmail.refused, name: `Enter a name on one line, at most 100 characters.` },
      });
      const message = found.email ?? found.name ?? found[''];
      setErrors(message ? { who: message } : {});
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  async function remove(userId: string, name: string) {
    setRefused(undefined);
    const leaving = userId === me;
    if (!window.confirm(leaving ? `Leave ${group.name}?` : `Remove ${name} from ${group.name}?`)) return;
    try {
      await api.removeMember(group.id, userId);
      if (leaving) navigate(paths.groups(), { replace: true });
      else onAdded();
    } catch (err) {
      // The server's detail counts minor units for a developer; the reader needs what to do.
      setRefused(
        problemSentence(err, {
          balance_not_settled: leaving
            ? 'You still owe or are owed money in this group. Settle up (and confirm or dispute any payment waiting), then leave.'
            : `${name} still owes or is owed money in this group, so they cannot be removed until that is settled.`,
        }),
      );
    }
  }

  return (
    <section className="card members" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {!open && (
        <p className="member-names">
          {group.members.map((m) => (m.id === me ? `${m.name} (you)` : m.pending ? `${m.name} (pending)` : m.name)).join(', ')}
        </p>
      )}
      <ul className="member-list" hidden={!open}>
        {group.members.map((m) => (
          <li key={m.id} data-pending={m.pending ? 'true' : undefined}>
            <span>
              {m.id === me ? `${m.name} (you)` : m.name}
              {m.pending && <span className="pending-tag">pending</span>}
            </span>
            <span className="muted">{m.email ?? 'no email'}</span>
            {m.pending && (
              <button type="button" className="link-button" onClick={() => void remove(m.id, m.name)} aria-label={`Remove ${m.name}`}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      <FormError message={refused} />
      <button
        type="button"
        className="secondary members-toggle"
        aria-expanded={open}
        aria-controls="members-manage"
        onClick={() => setOpen((o) => !o)}
      >
        Add people
        <span className="visually-hidden"> and manage members</span>
      </button>
      <div id="members-manage" hidden={!open}>
        <form ref={form} onSubmit={submit} noValidate aria-label="Add a member">
          <Field
            id="member-email"
            label="Add a member by email or name"
            autoComplete="off"
            required
            maxLength={rules.memberEmail.maxLength}
            value={who}
            onChange={(e) => {
              setWho(e.target.value);
              setErrors((errs) => (errs.who ? {} : errs));
            }}
            error={errors.who}
            hint="Someone without an account yet is added as pending: what they owe waits for them."
          />
          <SubmitRow label="Add member" pending="Adding…" busy={busy} done={done} />
        </form>
        <InviteLink groupId={group.id} />
        <button type="button" className="secondary" onClick={() => void remove(me, '')}>
          Leave group
        </button>
      </div>
    </section>
  );
}

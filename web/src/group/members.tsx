// The group's members, and adding one by email.
import { useState, type FormEvent } from 'react';
import type { Group } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { Field } from '../components/field.tsx';
import { formErrorsOf, type FormErrors } from '../problem.ts';
import { SubmitRow } from '../components/submit-row.tsx';

export function Members({ group, me, onAdded }: { group: Group; me: string; onAdded(): void }) {
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setDone('');
    try {
      const r = await api.addMember(group.id, email.trim());
      const added = r.group.members.find((m) => (m.email ?? '').toLowerCase() === email.trim().toLowerCase());
      setDone(`Added ${added?.name ?? email.trim()}.`);
      setEmail('');
      onAdded();
    } catch (err) {
      // 404 "No user has this email" and 409 "already a member" belong next to the email field.
      const found = formErrorsOf(err, ['email'], 'email');
      setErrors(found[''] && !found.email ? { email: found[''] } : found);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card members" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <ul className="member-list">
        {group.members.map((m) => (
          <li key={m.id}>
            <span>{m.id === me ? `${m.name} (you)` : m.name}</span>
            <span className="muted">{m.email}</span>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} noValidate aria-label="Add a member">
        <Field id="member-email" label="Add a member by email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
        <SubmitRow label="Add member" busy={busy} done={done} />
      </form>
    </section>
  );
}

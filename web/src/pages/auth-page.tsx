// Sign in and sign up. The server sets the session cookie; errors show next to their fields.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { User } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { Field, FormError } from '../components/field.tsx';
import { formErrorsOf, type FormErrors } from '../problem.ts';
import { Link } from '../router.tsx';

type AuthPageProps = {
  mode: 'signin' | 'signup';
  onSignedIn(user: User): void;
  /** Shown above the form (the join page says what the invite is for). */
  intro?: ReactNode;
  /** Switch forms in place instead of going to /signin or /signup (the join page keeps its own path). */
  onSwitchMode?(mode: 'signin' | 'signup'): void;
};

export function AuthPage({ mode, onSignedIn, intro, onSwitchMode }: AuthPageProps) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const signup = mode === 'signup';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const r = signup ? await api.register(name, email, password) : await api.login(email, password);
      onSignedIn(r.user);
    } catch (err) {
      // Sign-in failures name no field on purpose (no telling which of the two was wrong).
      setErrors(formErrorsOf(err, ['name', 'email', 'password'], signup ? 'email' : ''));
      setBusy(false);
    }
  }

  return (
    <main className="auth" id="main">
      <h1 tabIndex={-1}>Chipin</h1>
      {intro ?? <p className="tagline">Share bills with friends. Everyone sees who owes what, the moment it happens.</p>}
      <form className="card" onSubmit={submit} noValidate aria-labelledby="auth-title">
        <h2 id="auth-title">{signup ? 'Create your account' : 'Sign in'}</h2>
        {signup && <Field id="auth-name" label="Name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />}
        <Field id="auth-email" label="Email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
        <Field
          id="auth-password"
          label="Password"
          type="password"
          autoComplete={signup ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          hint={signup ? 'At least 8 characters.' : undefined}
        />
        <FormError message={errors['']} />
        <button type="submit" disabled={busy}>
          {signup ? 'Sign up' : 'Sign in'}
        </button>
      </form>
      <p className="switch">
        {signup ? (
          <>
            Have an account? {onSwitchMode ? <button type="button" className="link-button" onClick={() => onSwitchMode('signin')}>Sign in</button> : <Link to="/signin">Sign in</Link>}
          </>
        ) : (
          <>
            New here? {onSwitchMode ? <button type="button" className="link-button" onClick={() => onSwitchMode('signup')}>Create an account</button> : <Link to="/signup">Create an account</Link>}
          </>
        )}
      </p>
    </main>
  );
}

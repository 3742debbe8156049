// Sign in and sign up. The server sets the session cookie; errors show next to their fields, checked here
// first by the contract's rules (web/src/rules.ts), and focus moves to the first field to fix.
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { User } from '../../../src/contract/schemas.ts';
import { api } from '../api.ts';
import { Field, FormError } from '../components/field.tsx';
import { SubmitButton } from '../components/submit-row.tsx';
import { useFieldErrors } from '../components/use-field-errors.ts';
import { focusFirstError, formErrorsOf } from '../problem.ts';
import { Link } from '../router.tsx';
import { checkAll, checkText, inputRule, rules } from '../rules.ts';
import { useDocumentTitle } from './page-title.tsx';

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
  const [errors, setErrors, clear] = useFieldErrors();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const signup = mode === 'signup';
  useDocumentTitle(signup ? 'Create your account' : 'Sign in');

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const found = checkAll({
      name: signup ? checkText(name, rules.personName) : undefined,
      email: checkText(email, rules.email),
      password: checkText(password, signup ? rules.newPassword : rules.password),
    });
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    try {
      const r = signup ? await api.register(name.trim(), email.trim(), password) : await api.login(email.trim(), password);
      onSignedIn(r.user);
    } catch (err) {
      // Sign-in failures name no field on purpose (no telling which of the two was wrong).
      setErrors(
        formErrorsOf(err, ['name', 'email', 'password'], {
          fallback: signup ? 'email' : '',
          fields: {
            name: rules.personName.refused,
            email: rules.email.refused,
            password: (signup ? rules.newPassword : rules.password).refused,
          },
        }),
      );
      focusFirstError(form.current);
      setBusy(false);
    }
  }

  return (
    <main className="auth" id="main">
      <p className="auth-brand">Chipin</p>
      {intro ?? <p className="tagline">Share bills with friends. Everyone sees who owes what, the moment it happens.</p>}
      <form ref={form} className="card" onSubmit={submit} noValidate aria-labelledby="auth-title">
        <h1 id="auth-title">{signup ? 'Create your account' : 'Sign in'}</h1>
        {signup && (
          <Field
            id="auth-name"
            label="Name"
            autoComplete="name"
            {...inputRule(rules.personName)}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              clear('name');
            }}
            error={errors.name}
          />
        )}
        <Field
          id="auth-email"
          label="Email"
          type="email"
          autoComplete="email"
          {...inputRule(rules.email)}
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
            clear('email');
          }}
          error={errors.email}
        />
        <Field
          id="auth-password"
          label="Password"
          type="password"
          autoComplete={signup ? 'new-password' : 'current-password'}
          {...inputRule(signup ? rules.newPassword : rules.password)}
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
            clear('password');
          }}
          error={errors.password}
          hint={signup ? 'At least 8 characters.' : undefined}
        />
        <FormError message={errors['']} />
        <SubmitButton label={signup ? 'Sign up' : 'Sign in'} pending={signup ? 'Creating your account…' : 'Signing in…'} busy={busy} />
      </form>
      <p className="switch">
        {signup ? (
          <>
            Have an account?{' '}
            {onSwitchMode ? (
              <button type="button" className="link-button" onClick={() => onSwitchMode('signin')}>
                Sign in
              </button>
            ) : (
              <Link to="/signin">Sign in</Link>
            )}
          </>
        ) : (
          <>
            New here?{' '}
            {onSwitchMode ? (
              <button type="button" className="link-button" onClick={() => onSwitchMode('signup')}>
                Create an account
              </button>
            ) : (
              <Link to="/signup">Create an account</Link>
            )}
          </>
        )}
      </p>
    </main>
  );
}

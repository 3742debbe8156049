// /join/<token>: what an invite link is for, working signed out (sign up or in first, on this same path),
// then joining, or becoming one of the group's pending members without an email.
import { useEffect, useState, type FormEvent } from 'react';
import type { User } from '../../../src/contract/schemas.ts';
import type { InvitePreview } from '../../../src/contract/invites.ts';
import { ApiError } from '../../../src/client/index.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { Link, navigate, paths } from '../router.tsx';
import { AuthPage } from './auth-page.tsx';
import { PageTitle } from './page-title.tsx';

const BROKEN = 'This invite link does not work: it may have expired or been revoked. Ask for a new one.';

/** The invite's preview (no session needed): undefined while loading, a message if the link does not work. */
function usePreview(token: string): { preview: InvitePreview | undefined; error: string | undefined } {
  const [preview, setPreview] = useState<InvitePreview | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    api.previewInvite(token).then(
      (p) => live && setPreview(p),
      (e: unknown) =>
        live &&
        setError(
          e instanceof ApiError && (e.status === 404 || e.status === 400)
            ? BROKEN
            : 'Chipin cannot be reached right now. Reload to try again.',
        ),
    );
    return () => {
      live = false;
    };
  }, [token]);
  return { preview, error };
}

const invitation = (p: InvitePreview) => `${p.invitedBy.name} invited you to join ${p.group.name}`;

export function SignedOutJoinPage({ token, onSignedIn }: { token: string; onSignedIn(user: User): void }) {
  const { preview, error } = usePreview(token);
  const [mode, setMode] = useState<'signin' | 'signup'>('signup');
  const intro = error ? (
    <p role="alert">{BROKEN}</p>
  ) : (
    <p className="tagline" aria-live="polite">
      {preview ? `${invitation(preview)} on Chipin. Sign up or sign in to join.` : 'Opening your invite…'}
    </p>
  );
  return <AuthPage mode={mode} onSignedIn={onSignedIn} intro={intro} onSwitchMode={setMode} />;
}

export function JoinPage({ token }: { token: string }) {
  const { preview, error } = usePreview(token);
  const [memberId, setMemberId] = useState('');
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<{ message: string; groupId?: string } | undefined>(undefined);

  async function join(e: FormEvent) {
    e.preventDefault();
    if (!preview) return;
    setBusy(true);
    setFailed(undefined);
    try {
      const r = await api.acceptInvite(token, memberId === '' ? undefined : memberId);
      navigate(paths.group(r.group.id), { replace: true });
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 409) setFailed({ message: err.problem.detail, groupId: preview.group.id });
      else if (err instanceof ApiError && err.status === 404) setFailed({ message: BROKEN });
      else setFailed({ message: err instanceof ApiError ? err.problem.detail : 'Could not join. Try again.' });
    }
  }

  if (error) {
    return (
      <main id="main" className="page join-page">
        <PageTitle>Invite link</PageTitle>
        <p role="alert">{error}</p>
        <Link to={paths.groups()}>Back to your groups</Link>
      </main>
    );
  }
  if (!preview)
    return (
      <main id="main" className="page join-page" aria-busy="true">
        <p className="muted">Opening your invite…</p>
      </main>
    );
  return (
    <main id="main" className="page join-page">
      <PageTitle>{`Join ${preview.group.name}`}</PageTitle>
      <form className="card" onSubmit={join} aria-label={`Join ${preview.group.name}`}>
        <p>{invitation(preview)}.</p>
        {preview.pendingMembers.length > 0 && (
          <fieldset className="claim">
            <legend>Are you already in the group under another name? Take their place, and what they owe or are owed.</legend>
            <label>
              <input type="radio" name="member" value="" checked={memberId === ''} onChange={() => setMemberId('')} /> No, join as myself
            </label>
            {preview.pendingMembers.map((m) => (
              <label key={m.id}>
                <input type="radio" name="member" value={m.id} checked={memberId === m.id} onChange={() => setMemberId(m.id)} /> I am{' '}
                {m.name}
              </label>
            ))}
          </fieldset>
        )}
        {failed && (
          <>
            <FormError message={failed.message} />
            {failed.groupId && <Link to={paths.group(failed.groupId)}>Open {preview.group.name}</Link>}
          </>
        )}
        <button type="submit" disabled={busy}>
          Join {preview.group.name}
        </button>
      </form>
    </main>
  );
}

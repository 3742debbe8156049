// "Share invite link": makes a link (shown once: the server keeps only its hash) and copies it.
import { useState } from 'react';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';

export function InviteLink({ groupId }: { groupId: string }) {
  const [url, setUrl] = useState<string | undefined>(undefined);
  const [copied, setCopied] = useState(false);
  const [failed, setFailed] = useState<string | undefined>(undefined);

  async function make() {
    setFailed(undefined);
    setCopied(false);
    try {
      setUrl((await api.createInvite(groupId)).invite.url);
    } catch {
      setFailed('Could not make a link. Try again.');
    }
  }

  async function copy() {
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      // No clipboard access (an insecure origin, a refused permission): the link stays selected to copy by hand.
      (document.getElementById('invite-url') as HTMLInputElement | null)?.select();
    }
  }

  return (
    <div className="invite-link">
      {url === undefined ? (
        <button type="button" className="secondary" onClick={() => void make()}>
          Share invite link
        </button>
      ) : (
        <div className="field">
          <label htmlFor="invite-url">Invite link (valid for 7 days)</label>
          <input id="invite-url" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => void copy()}>
            {copied ? 'Copied' : 'Copy link'}
          </button>
        </div>
      )}
      <FormError message={failed} />
    </div>
  );
}

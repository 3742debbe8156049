// /settings/notifications: this device's push switch, and which notification types also come by push
// and by email (GET and PUT /api/me/notification-preferences, the whole object each time).
import { useEffect, useState, type FormEvent } from 'react';
import type { ChannelPreference, NotificationPreferences } from '../../../src/client/index.ts';
import { api } from '../api.ts';
import { FormError } from '../components/field.tsx';
import { SubmitRow } from '../components/submit-row.tsx';
import { PageTitle } from '../pages/page-title.tsx';
import { DeviceControl } from '../push/device-control.tsx';
import { formErrorsOf } from '../problem.ts';
import { useLoader } from '../use-loader.ts';
import { typeLabel, typeOrder } from './type-labels.ts';

const CHANNELS = [
  { key: 'push', label: 'Push' },
  { key: 'email', label: 'Email' },
] as const satisfies readonly { key: keyof ChannelPreference; label: string }[];

export function NotificationSettingsPage() {
  return (
    <main id="main" className="page settings">
      <PageTitle>Notification settings</PageTitle>
      <DeviceControl />
      <Preferences />
    </main>
  );
}

function Preferences() {
  const loaded = useLoader(() => api.notificationPreferences(), []);
  const [draft, setDraft] = useState<NotificationPreferences | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (loaded.data) setDraft(loaded.data.preferences);
  }, [loaded.data]);

  function set(type: string, channel: keyof ChannelPreference, on: boolean) {
    setDone(undefined);
    setDraft((d) => (d ? { ...d, [type]: { ...d[type], [channel]: on } } : d));
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.setNotificationPreferences(draft);
      setDraft(r.preferences);
      setDone('Saved.');
    } catch (err) {
      setError(formErrorsOf(err, [])[''] ?? 'Could not save.');
    } finally {
      setBusy(false);
    }
  }

  const types = draft ? typeOrder(Object.keys(draft)) : [];
  return (
    <section className="card" aria-labelledby="preferences-heading">
      <h2 id="preferences-heading">What reaches you, and how</h2>
      <p>
        The notification list (the bell) and the live updates on open Chipin pages always show everything: they cannot be switched off.
        These choices decide what also comes as a push notification to your devices, and by email. Email lists what is still unread a while
        later, so what you have already read is not sent.
      </p>
      {loaded.error !== undefined && !draft && <FormError message="Could not load your settings. Reload to try again." />}
      {draft && (
        <form onSubmit={(e) => void save(e)}>
          <table className="preferences">
            <caption className="visually-hidden">Channels for each kind of notification</caption>
            <thead>
              <tr>
                <th scope="col">Notification</th>
                {CHANNELS.map((c) => (
                  <th scope="col" key={c.key}>
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {types.map((type) => (
                <tr key={type} data-type={type}>
                  <th scope="row">{typeLabel(type)}</th>
                  {CHANNELS.map((c) => (
                    <td key={c.key}>
                      <input
                        type="checkbox"
                        aria-label={`${c.label}: ${typeLabel(type)}`}
                        checked={draft[type]?.[c.key] ?? false}
                        onChange={(e) => set(type, c.key, e.target.checked)}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <FormError message={error} />
          <SubmitRow label="Save" busy={busy} done={done} />
        </form>
      )}
    </section>
  );
}

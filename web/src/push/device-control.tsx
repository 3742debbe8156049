// "Notifications on this device": the state (on / off / blocked / unsupported) and one button. The
// permission prompt comes only from that button, never on page load.
import { useEffect, useId, useState } from 'react';
import { FormError } from '../components/field.tsx';
import { deviceState, turnOff, turnOn, type DeviceState } from './device.ts';

const STATUS: Record<DeviceState, string> = {
  on: 'On. This browser shows a notification when something happens while no Chipin page is open.',
  off: 'Off. Turn it on to hear about new bills and payments while Chipin is closed.',
  blocked:
    'Blocked. This browser refuses notifications from Chipin. Allow them in the site settings (the icon beside the address), then reload this page.',
  unsupported: 'Not available in this browser. (On an iPhone or iPad, add Chipin to the home screen first, then open it from there.)',
};

export function DeviceControl() {
  /** undefined while the browser is asked for the current state. */
  const [state, setState] = useState<DeviceState | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const headingId = useId();
  const statusId = useId();

  useEffect(() => {
    let live = true;
    deviceState().then(
      (s) => live && setState(s),
      () => live && setState('off'),
    );
    return () => {
      live = false;
    };
  }, []);

  async function toggle() {
    setBusy(true);
    setError(undefined);
    try {
      setState(await (state === 'on' ? turnOff() : turnOn()));
    } catch (e) {
      setError(
        `${state === 'on' ? 'Could not turn notifications off' : 'Could not turn notifications on'}: ${e instanceof Error ? e.message : String(e)}`,
      );
      setState(await deviceState().catch(() => state));
    } finally {
      setBusy(false);
    }
  }

  const canToggle = state === 'on' || state === 'off';
  return (
    <section className="card device-push" aria-labelledby={headingId} data-push-state={state ?? 'checking'}>
      <h2 id={headingId}>Notifications on this device</h2>
      <p id={statusId} role="status">
        {state ? STATUS[state] : 'Checking…'}
      </p>
      {canToggle && (
        <button
          type="button"
          className={state === 'on' ? 'secondary' : undefined}
          disabled={busy}
          aria-describedby={statusId}
          onClick={() => void toggle()}
        >
          {state === 'on' ? 'Turn off on this device' : 'Turn on for this device'}
        </button>
      )}
      <FormError message={error} />
    </section>
  );
}

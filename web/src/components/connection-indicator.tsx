// Live / reconnecting / offline, from the SDK's connection state (the leader tab's, in a follower).
import type { ConnectionState } from '../../../src/client/index.ts';
import { useLive } from '../live/live-context.tsx';

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export function ConnectionIndicator() {
  const { state, role, transport } = useLive();
  // Words for people; the transport itself stays in data-transport for tests and support.
  const title = `${state === 'live' ? 'Changes by others appear here as they happen' : 'Changes by others will appear once the connection is back'}${role === 'follower' ? ' (through another Chipin tab)' : ''}`;
  return (
    <p className="connection" data-connection={state} data-stream-role={role} data-transport={transport} title={title} role="status">
      <span className="dot" aria-hidden="true" />
      <span className="connection-label">{LABELS[state]}</span>
    </p>
  );
}

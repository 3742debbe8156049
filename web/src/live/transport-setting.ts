// Which stream transport the leader tab opens: SSE by default; `?transport=ws` or the setting in the
// header switches to WebSocket and is remembered in localStorage (the browser-matrix tests use it).
export type Transport = 'sse' | 'ws';

const KEY = 'chipin.transport';

/** This page's own choice, for when localStorage is unavailable. */
let chosen: Transport | undefined;

const parse = (value: string | null): Transport | undefined => (value === 'ws' || value === 'sse' ? value : undefined);

/** The transport named in the page's URL, if any (stored as the new setting). */
export function transportFromUrl(): Transport | undefined {
  const t = parse(new URLSearchParams(location.search).get('transport'));
  if (t) storeTransport(t);
  return t;
}

export function readTransport(): Transport {
  try {
    return parse(localStorage.getItem(KEY)) ?? chosen ?? 'sse';
  } catch {
    return chosen ?? 'sse'; // storage disabled
  }
}

export function storeTransport(t: Transport) {
  chosen = t;
  try {
    localStorage.setItem(KEY, t);
  } catch {
    // storage disabled: the setting lasts for this page only
  }
}

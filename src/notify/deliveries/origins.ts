// The SSRF guard on push endpoints: the server POSTs to a URL a user chose, so only https endpoints of the
// allowed push services are stored or sent to (PUSH_ALLOWED_ORIGINS). Checked when a subscription is stored
// and again before each send (the list may have shrunk since). No redirect is ever followed (web-push uses
// https.request, which does not follow them; a 3xx is a refusal, ./push.ts).
export function allowedEndpoint(endpoint: string, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return false;
  const origin = url.origin.toLowerCase();
  return allowed.some((entry) => {
    if (!entry.startsWith('https://*.')) return entry.toLowerCase() === origin;
    // https://*.example.com: any host below example.com on the default port.
    const suffix = entry.slice('https://*'.length);
    return url.port === '' && url.hostname.toLowerCase().endsWith(suffix) && url.hostname.length > suffix.length;
  });
}

// Security headers (helmet's defaults plus Chipin's Content-Security-Policy), computed once at start-up.
// @fastify/helmet rebuilds the same strings on every request (its CSP serializer showed up at ~2% of a
// POST /bills profile); nothing in them varies per request here (no nonces), so a frozen table is set
// by one onRequest hook and copied onto the SSE stream's hand-written head.
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.ts';

export function securityHeaders(config: Config): Readonly<Record<string, string>> {
  const tls = config.tlsCert !== undefined || (config.publicUrl?.startsWith('https:') ?? false);
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        // The service worker (/sw.js) and the web app manifest: same origin only. Both fall back to
        // default-src already; named so that a tighter default-src cannot silently turn push off.
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Upgrading subresources to https breaks a plain-http deployment (a LAN, a test run): only under TLS.
        upgradeInsecureRequests: tls ? [] : null,
      },
    },
    // HSTS only makes sense over TLS.
    strictTransportSecurity: tls,
  });
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  middleware({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return Object.freeze(headers);
}

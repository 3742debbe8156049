// A Web Push service for tests: HTTPS on loopback with a throwaway certificate, checking each request as a
// real push service does (RFC 8292 VAPID: an ES256 JWT signed by the deployment's key, aud = this origin,
// exp in the future and within 24 h; RFC 8030 TTL; RFC 8188/8291 aes128gcm), decrypting the body with the
// fake browser subscription's private key and recording it. It answers 201, or what it is told to.
import { createECDH, createHmac, createDecipheriv, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { makeTempDir, type TempDir } from '../support/temp-dir.ts';

export type Received = { device: string; payload: any; headers: Record<string, string | undefined>; at: number };
export type Answer = { status: number; headers?: Record<string, string> };

/** A browser's subscription: its P-256 key pair and 16-byte auth secret (RFC 8291 §2). */
export type Device = {
  name: string;
  endpoint: string;
  ecdh: ECDH;
  auth: Buffer;
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
};

export type PushService = {
  origin: string;
  /** The CA file to give the server as NODE_EXTRA_CA_CERTS. */
  caFile: string;
  received: Received[];
  /** Requests that broke a rule a push service enforces; a test expects none. */
  violations: string[];
  /** Every request (accepted or not), for counting attempts. */
  attempts: { device: string; at: number; status: number }[];
  /** The deployment key requests must be signed with (base64url). */
  expectKey(publicKey: string): void;
  device(name: string): Device;
  /** The next answers, in order, before 201 again. */
  answer(...answers: Answer[]): void;
  close(): Promise<void>;
};

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/** RFC 8291 §3.4 and RFC 8188 §2: one record, keyid = the sender's public key. */
export function decrypt(body: Buffer, device: Device): Buffer {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const uaPublic = device.ecdh.getPublicKey();
  const ecdhSecret = device.ecdh.computeSecret(asPublic);
  const prkKey = hmac(device.auth, ecdhSecret);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = hmac(prkKey, Buffer.concat([keyInfo, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('the last record must end with the delimiter 0x02');
  return padded.subarray(0, end);
}

function checkVapid(authorization: string | undefined, origin: string, expectedKey: string | undefined): string | undefined {
  const m = /^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) return `Authorization is not "vapid t=…, k=…": ${authorization}`;
  const [, jwt, k] = m;
  if (expectedKey !== undefined && k !== expectedKey) return 'k is not the deployment key';
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  if (header.alg !== 'ES256') return `alg ${header.alg}`;
  const point = Buffer.from(k, 'base64url');
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')))
    return 'bad ES256 signature';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  if (claims.aud !== origin) return `aud ${claims.aud} is not ${origin}`;
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 86_400)) return `exp ${claims.exp} not within 24 h`;
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) return `sub ${claims.sub}`;
  return undefined;
}

export async function startPushService(): Promise<PushService> {
  const dir: TempDir = makeTempDir('chipin-push-');
  const keyFile = join(dir.path, 'key.pem');
  const caFile = join(dir.path, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const devices = new Map<string, Device>();
  const queue: Answer[] = [];
  let expectedKey: string | undefined;
  const service: Omit<PushService, 'origin' | 'close'> = {
    caFile,
    received: [],
    violations: [],
    attempts: [],
    expectKey: (k) => (expectedKey = k),
    device(name) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const endpoint = `${origin}/push/${name}`;
      const d: Device = {
        name,
        endpoint,
        ecdh,
        auth,
        json: {
          endpoint,
          expirationTime: null,
          keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
        },
      };
      devices.set(name, d);
      return d;
    },
    answer: (...answers) => queue.push(...answers),
  };
  const server: Server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const name = decodeURIComponent((req.url ?? '').replace(/^\/push\//, ''));
      const reply = (status: number, headers: Record<string, string> = {}) => {
        service.attempts.push({ device: name, at: Date.now(), status });
        res.writeHead(status, headers).end();
      };
      const device = devices.get(name);
      const problem =
        req.method !== 'POST'
          ? `method ${req.method}`
          : !device
            ? `unknown device ${name}`
            : (checkVapid(req.headers.authorization, origin, expectedKey) ??
              (req.headers['content-encoding'] !== 'aes128gcm' ? `Content-Encoding ${req.headers['content-encoding']}` : undefined) ??
              (!/^\d+$/.test(String(req.headers.ttl ?? '')) ? `TTL ${req.headers.ttl}` : undefined));
      if (problem) {
        service.violations.push(problem);
        return reply(400);
      }
      const next = queue.shift();
      if (next) return reply(next.status, next.headers);
      let payload: unknown;
      try {
        payload = JSON.parse(decrypt(Buffer.concat(chunks), device!).toString('utf8'));
      } catch (e) {
        service.violations.push(`cannot decrypt: ${(e as Error).message}`);
        return reply(400);
      }
      service.received.push({
        device: name,
        payload,
        at: Date.now(),
        headers: {
          ttl: String(req.headers.ttl),
          urgency: req.headers.urgency as string | undefined,
          topic: req.headers.topic as string | undefined,
        },
      });
      reply(201);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    ...service,
    origin,
    async close() {
      server.closeAllConnections();
      server.close();
      dir.remove();
    },
  } as PushService;
}

/** Waits until `check` holds, polling; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

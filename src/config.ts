// Configuration is parsed once at start-up and frozen; nothing else in the code base reads process.env.
// A bad value stops start-up with one line naming the variable.

export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string;
  /** PostgreSQL: the LISTEN connection's URL (a session of its own, so a transaction-mode pooler can front the pool). */
  databaseListenUrl: string;
  /** PostgreSQL: connections in the pool. */
  databasePoolMax: number;
  /** PostgreSQL: statement_timeout of every pooled connection, ms (0: none). */
  databaseStatementTimeoutMs: number;
  /** nats://host:port: the cross-instance bus; undefined: in-process on SQLite, LISTEN/NOTIFY on PostgreSQL. */
  busUrl: string | undefined;
  /** redis://host:port: rate limits and the per-user stream cap counted across instances; undefined: per instance. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key (several deployments, or tests, may share one Redis). */
  redisKeyPrefix: string;
  /**
   * Tests only: the process SIGKILLs itself after its n-th notifying commit, before publishing it (0: never),
   * to show that a commit whose publish is lost still reaches its receivers.
   */
  testKillAfterCommits: number;
  /** SQLite durability: 'normal' (WAL) survives a process crash; 'full' also survives power loss. */
  sqliteSynchronous: 'normal' | 'full';
  /** The origin users reach (scheme://host[:port]); undefined: taken from each request. */
  publicUrl: string | undefined;
  trustProxy: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  heartbeatMs: number;
  /** At most one group.updated per (stream, group) per this many ms (src/notify/hints.ts). */
  groupHintMs: number;
  maxStreamsPerUser: number;
  /** Bytes a stream may have queued for a slow reader before it is closed. */
  streamQueueBytes: number;
  /** How long a replay waits for a stalled reader before closing it as slow. */
  streamStallMs: number;
  metricsPublic: boolean;
  rateLimit: boolean;
  bodyLimit: number;
  /** The whole request, head and body, must have arrived within this; otherwise 408 and the socket closes. */
  requestTimeoutMs: number;
  /** The request head (line and headers) must have arrived within this (≤ requestTimeoutMs). */
  headersTimeoutMs: number;
  sessionTtlMs: number;
  /** A pending Idempotency-Key is held this long unless its request renews it (every third of it). */
  idempotencyLeaseMs: number;
  /** How long after marking a part paid its payer may take it back (POST /api/bills/:billId/unpay). */
  unpayWindowMs: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Directory with the built web app; serving is skipped when it has no index.html. */
  webRoot: string;
  /** Web Push and email (src/notify/deliveries/). */
  channels: Readonly<{
    /** Both or neither: set, they replace the key pair stored in the database. base64url (RFC 8292 §3.2). */
    vapidPublicKey: string | undefined;
    vapidPrivateKey: string | undefined;
    /** RFC 8292 §2.1 `sub`: a mailto: or https: URI; undefined when none can be derived (push is off). */
    vapidSubject: string | undefined;
    /** Origins push endpoints may have; an entry `https://*.example.com` allows any host under it. */
    pushAllowedOrigins: readonly string[];
    pushDelaySeconds: number;
    /** RFC 8030 §5.2 TTL: how long a push may wait at the push service; Chipin gives up after it too. */
    pushTtlSeconds: number;
    /** undefined: the email channel is off. */
    smtpUrl: string | undefined;
    /** The From header, e.g. `Chipin <chipin@example.com>`. */
    mailFrom: string | undefined;
    emailDelaySeconds: number;
  }>;
  limits: Readonly<{
    loginPerAccountPerMinute: number;
    loginPerAddressPerMinute: number;
    registerPerAddressPerHour: number;
    billsPerUserPerMinute: number;
    memberAddsPerUserPerHour: number;
    /** SSE and WebSocket opens together: a reconnecting client needs a few, a replay loop needs many. */
    streamOpensPerUserPerMinute: number;
  }>;
}>;

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
}

function origin(env: Env, name: string): string | undefined {
  const url = serviceUrl(env, name, ['http:', 'https:'], 'https://chipin.example');
  return url === undefined ? undefined : new URL(url).origin;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

function serviceUrl(env: Env, name: string, schemes: readonly string[], example: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL such as ${example}, got "${raw}"`);
  }
  if (!schemes.includes(url.protocol))
    throw new ConfigError(`${name} must use ${schemes.map((p) => p.slice(0, -1)).join(' or ')}, such as ${example}, got "${raw}"`);
  return raw;
}

/**
 * The public push services' origins (RFC 8030 push services of the browsers): Google FCM (Chrome, Edge on
 * Android, Opera), Mozilla autopush (Firefox), Apple (Safari, iOS web apps), Microsoft WNS (Edge on Windows,
 * whose hosts are per region, hence the wildcard).
 */
export const DEFAULT_PUSH_ORIGINS = Object.freeze([
  'https://fcm.googleapis.com',
  'https://updates.push.services.mozilla.com',
  'https://web.push.apple.com',
  'https://*.notify.windows.com',
]);

function pushOrigins(env: Env): readonly string[] {
  const raw = env.PUSH_ALLOWED_ORIGINS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_PUSH_ORIGINS;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const entry of list) {
    // A push endpoint receives the payload and the VAPID token: only TLS, and only an origin (no path).
    if (!/^https:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(entry) && !/^https:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(entry)) {
      throw new ConfigError(`PUSH_ALLOWED_ORIGINS must list https origins such as https://fcm.googleapis.com, got "${entry}"`);
    }
  }
  return Object.freeze(list.map((e) => (e.includes('*') ? e.toLowerCase() : new URL(e).origin)));
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const base64urlBytes = (s: string) => (BASE64URL.test(s) ? Buffer.from(s, 'base64url').length : -1);

function channels(env: Env, publicUrl: string | undefined): Config['channels'] {
  const vapidPublicKey = env.VAPID_PUBLIC_KEY || undefined;
  const vapidPrivateKey = env.VAPID_PRIVATE_KEY || undefined;
  if ((vapidPublicKey === undefined) !== (vapidPrivateKey === undefined))
    throw new ConfigError('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together');
  // RFC 8292 §3.2: the public key is an uncompressed P-256 point (65 bytes), the private key its 32-byte scalar.
  if (vapidPublicKey !== undefined && base64urlBytes(vapidPublicKey) !== 65)
    throw new ConfigError('VAPID_PUBLIC_KEY must be a base64url uncompressed P-256 point (65 bytes)');
  if (vapidPrivateKey !== undefined && base64urlBytes(vapidPrivateKey) !== 32)
    throw new ConfigError('VAPID_PRIVATE_KEY must be a base64url P-256 private key (32 bytes)');
  const smtpUrl = env.SMTP_URL || undefined;
  const mailFrom = env.MAIL_FROM || undefined;
  if (smtpUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(smtpUrl);
    } catch {
      throw new ConfigError(`SMTP_URL must be a URL such as smtp://user:pass@host:587, got "${smtpUrl.replace(/\/\/[^@]*@/, '//***@')}"`);
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError('SMTP_URL must use smtp: or smtps:');
    if (mailFrom === undefined) throw new ConfigError('MAIL_FROM is required when SMTP_URL is set (the From of every email)');
    // Every link in an email (the bill, the unsubscribe link) is absolute: there is no request to take it from.
    if (publicUrl === undefined) throw new ConfigError('PUBLIC_URL is required when SMTP_URL is set (links in emails are built on it)');
  }
  const address =
    mailFrom === undefined
      ? undefined
      : (/<([^<>\s]+@[^<>\s]+)>/.exec(mailFrom)?.[1] ?? (/^[^\s<>]+@[^\s<>]+$/.test(mailFrom) ? mailFrom : undefined));
  if (mailFrom !== undefined && address === undefined)
    throw new ConfigError(`MAIL_FROM must be an address or "Name <address>", got "${mailFrom}"`);
  let vapidSubject = env.VAPID_SUBJECT || undefined;
  if (vapidSubject !== undefined) {
    if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(vapidSubject))
      throw new ConfigError(`VAPID_SUBJECT must be a mailto: or https: URI (RFC 8292 §2.1), got "${vapidSubject}"`);
  } else if (address !== undefined) {
    vapidSubject = `mailto:${address}`;
  } else if (publicUrl?.startsWith('https:')) {
    // A push service may contact the subject about this sender; web-push (and RFC 8292) accept https or mailto only.
    vapidSubject = publicUrl;
  }
  return Object.freeze({
    vapidPublicKey,
    vapidPrivateKey,
    vapidSubject,
    pushAllowedOrigins: pushOrigins(env),
    pushDelaySeconds: int(env, 'PUSH_DELAY_SECONDS', 10, 0, 86_400),
    // RFC 8030 §5.2: a push service may keep a message up to TTL seconds; 28 days is what the services cap at.
    pushTtlSeconds: int(env, 'PUSH_TTL_SECONDS', 86_400, 60, 2_419_200),
    smtpUrl,
    mailFrom,
    emailDelaySeconds: int(env, 'EMAIL_DELAY_SECONDS', 900, 0, 604_800),
  });
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parseConfig(env: Env): Config {
  const databaseUrl = env.DATABASE_URL || 'sqlite:./data/chipin.db';
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be sqlite:<path> or postgres://…, got "${databaseUrl}"`);
  }
  const databaseListenUrl = env.DATABASE_LISTEN_URL || databaseUrl;
  if (!/^postgres(ql)?:\/\/.+$/.test(databaseListenUrl) && databaseListenUrl !== databaseUrl) {
    throw new ConfigError(`DATABASE_LISTEN_URL must be postgres://…, got "${databaseListenUrl}"`);
  }
  const redisKeyPrefix = env.REDIS_KEY_PREFIX ?? 'chipin:';
  if (!/^[\x21-\x7e]{0,64}$/.test(redisKeyPrefix))
    throw new ConfigError(`REDIS_KEY_PREFIX must be at most 64 visible ASCII characters, got "${redisKeyPrefix}"`);
  const logLevel = oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info');
  const host = env.HOST || '127.0.0.1';
  const tlsCert = env.TLS_CERT || undefined;
  const tlsKey = env.TLS_KEY || undefined;
  const requestTimeoutMs = int(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  const headersTimeoutMs = int(env, 'HEADERS_TIMEOUT_MS', Math.min(10_000, requestTimeoutMs), 100, 3_600_000);
  // Node refuses a head deadline later than the whole request's (it could never apply).
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new ConfigError('TLS_CERT and TLS_KEY must be set together');
  const publicUrl = origin(env, 'PUBLIC_URL');
  return Object.freeze({
    port: int(env, 'PORT', 3000, 0, 65535),
    host,
    databaseUrl,
    databaseListenUrl,
    databasePoolMax: int(env, 'DATABASE_POOL_MAX', 10, 1, 1000),
    databaseStatementTimeoutMs: int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
    busUrl: serviceUrl(env, 'BUS_URL', ['nats:'], 'nats://127.0.0.1:4222'),
    redisUrl: serviceUrl(env, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
    redisKeyPrefix,
    testKillAfterCommits: int(env, 'CHIPIN_TEST_KILL_AFTER_COMMITS', 0, 0, 1_000_000),
    sqliteSynchronous: oneOf(env, 'SQLITE_SYNCHRONOUS', ['normal', 'full'] as const, 'normal'),
    publicUrl,
    trustProxy: flag(env, 'TRUST_PROXY', false),
    logLevel,
    heartbeatMs: int(env, 'HEARTBEAT_MS', 25_000, 50, 3_600_000),
    groupHintMs: int(env, 'GROUP_HINT_MS', 250, 10, 60_000),
    maxStreamsPerUser: int(env, 'MAX_STREAMS_PER_USER', 16, 1, 10_000),
    streamQueueBytes: int(env, 'STREAM_QUEUE_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    streamStallMs: int(env, 'STREAM_STALL_MS', 5000, 10, 600_000),
    metricsPublic: flag(env, 'METRICS_PUBLIC', false),
    rateLimit: flag(env, 'RATE_LIMIT', true),
    bodyLimit: int(env, 'BODY_LIMIT', 64 * 1024, 1024, 64 * 1024 * 1024),
    requestTimeoutMs,
    headersTimeoutMs,
    sessionTtlMs: int(env, 'SESSION_TTL_DAYS', 30, 1, 3650) * 86_400_000,
    idempotencyLeaseMs: int(env, 'IDEMPOTENCY_LEASE_MS', 10_000, 300, 600_000),
    unpayWindowMs: int(env, 'UNPAY_WINDOW_SECONDS', 300, 1, 86_400) * 1000,
    tlsCert,
    tlsKey,
    webRoot: env.WEB_ROOT || 'dist/web',
    channels: channels(env, publicUrl),
    limits: Object.freeze({
      loginPerAccountPerMinute: int(env, 'LOGIN_LIMIT_PER_ACCOUNT', 10, 1, 1_000_000),
      loginPerAddressPerMinute: int(env, 'LOGIN_LIMIT_PER_ADDRESS', 30, 1, 1_000_000),
      registerPerAddressPerHour: int(env, 'REGISTER_LIMIT_PER_ADDRESS', 20, 1, 1_000_000),
      billsPerUserPerMinute: int(env, 'BILL_LIMIT_PER_USER', 600, 1, 1_000_000),
      // Adding a member tells an account from an address with none (the member comes back `pending`), and
      // an unknown address stores a pending member, so each attempt is one probe of the user list and one row. 30 an hour fills a large trip's group in one sitting
      // and caps an account's probing at 720 addresses a day; new accounts are capped by REGISTER_LIMIT_PER_ADDRESS.
      memberAddsPerUserPerHour: int(env, 'MEMBER_ADD_LIMIT_PER_USER', 30, 1, 1_000_000),
      streamOpensPerUserPerMinute: int(env, 'STREAM_OPEN_LIMIT_PER_USER', 30, 1, 1_000_000),
    }),
  });
}

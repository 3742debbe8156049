// Hostile input on every route (issue 7): fast-check builds bodies, query strings, path ids and headers
// that are each invalid by construction: wrong types, missing and extra fields, huge strings and numbers,
// deep nesting, control characters and lone surrogates, __proto__/constructor keys, broken JSON, wrong
// media types, unknown sessions, foreign origins. Every request is made so that, were the bad part
// fixed, it would succeed and change something (sign in, pay, delete, create): so a refusal is
// the server noticing the bad part, not a coincidence. For each one: a 4xx problem+json, within a
// deadline, and a store byte-for-byte unchanged (every table dumped before and after).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { connect } from 'node:net';
import { createECDH, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server.ts';
import { billFor, groupWith, register, type TestUser } from '../support/api.ts';
import { isCurrencyCode } from '../../src/domain/money.ts';
import { dbFileOf, dumpDiff, openReader, type DbReader, type Dump } from './store-dump.ts';
import { declaredRoutes } from './declared-routes.ts';
import { loadUnsubscribeTokens, type UnsubscribeTokens } from '../../src/notify/deliveries/keys.ts';
import { NOTIFICATION_TYPES } from '../../src/contract/events.ts';
import {
  anyJson,
  badAuthorization,
  badEmail,
  badId,
  badText,
  extraKey,
  headerValue,
  invalidJson,
  noiseHeaders,
  notNumber,
  notObject,
  notString,
  objectText,
  oddNumbers,
  text,
  tooLong,
  withLoneSurrogate,
  wrongContentType,
  type Entries,
  type Frag,
} from './hostile-input.ts';

/** Runs per route; HARDENING_RUNS raises it for a longer hunt. */
const RUNS = Number(process.env.HARDENING_RUNS ?? 100);
const REQUEST_TIMEOUT_MS = 5000;
const PASSWORD = 'correct horse battery';
const NOTIFICATION_ID = /^(0|[1-9][0-9]{0,15})$/;
/** An https origin on loopback that push endpoints may name (nothing is sent: push is off without VAPID_SUBJECT). */
const PUSH_ORIGIN = 'https://127.0.0.1:9';
/** A browser's PushSubscription.toJSON(): an allowed endpoint and real-shaped RFC 8291 keys. */
const device = (name: string) => ({
  endpoint: `${PUSH_ORIGIN}/push/${name}`,
  expirationTime: null,
  keys: { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') },
});

type Req = { method: string; path: string; headers: Record<string, string>; body?: string; what: string };

let server: TestServer;
let reader: DbReader;
let baseline: Dump;
let alice: TestUser; // owns the group and the bill
let bob: TestUser; // member, owes a part of the bill
let dave: TestUser; // registered, in no group: addable as a member
let groupId: string;
let billId: string;
let paidBillId: string; // a bill whose part bob has marked paid: the one unpay cases would take back
let logoutToken: string; // a second session of alice's, the one logout cases would end
let carolOutside: TestUser; // registered, in no group: the one an invite's accept cases would let in
let inviteId: string; // an open invite of alice's group
let inviteToken: string;
let aliceDevice: string; // a push subscription of alice's
let links: UnsubscribeTokens; // signs the email unsubscribe links, as the server does

before(async () => {
  // The undo window is made a day long so that bob's payment below can still be taken back at the end of
  // a long (loaded, HARDENING_RUNS-raised) run: otherwise unpay's refusals would be the window's 409.
  server = await startTestServer({ PUSH_ALLOWED_ORIGINS: PUSH_ORIGIN, UNPAY_WINDOW_SECONDS: '86400' });
  alice = await register(server.url, 'Alice');
  bob = await register(server.url, 'Bob');
  dave = await register(server.url, 'Dave');
  groupId = await groupWith(server.url, alice, [bob]);
  billId = (await billFor(server.url, alice, groupId, [bob])).id;
  paidBillId = (await billFor(server.url, alice, groupId, [bob])).id;
  const paid = await fetch(`${server.url}/api/bills/${paidBillId}/pay`, { method: 'POST', headers: bearer(bob) });
  assert.equal(paid.status, 200);
  carolOutside = await register(server.url, 'Carol');
  const invite = await fetch(`${server.url}/api/groups/${groupId}/invites`, {
    method: 'POST',
    headers: { ...bearer(alice), 'content-type': 'application/json' },
    body: '{}',
  });
  const { invite: made } = (await invite.json()) as { invite: { id: string; url: string } };
  inviteId = made.id;
  inviteToken = made.url.split('/join/')[1];
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: alice.email, password: PASSWORD }),
  });
  logoutToken = ((await login.json()) as { token: string }).token;
  const sub = await fetch(`${server.url}/api/push/subscriptions`, {
    method: 'POST',
    headers: { ...bearer(alice), 'content-type': 'application/json' },
    body: JSON.stringify(device('alice-phone')),
  });
  assert.equal(sub.status, 201);
  aliceDevice = ((await sub.json()) as { subscription: { id: string } }).subscription.id;
  links = await loadUnsubscribeTokens(server.store.read);
  reader = openReader(dbFileOf(server));
  baseline = reader.dump();
});
after(async () => {
  reader?.close();
  await server?.close();
});

const bearer = (u: TestUser | string) => ({ authorization: `Bearer ${typeof u === 'string' ? u : u.token}` });
const short = (s: string | undefined) =>
  s === undefined ? '' : s.length > 300 ? `${JSON.stringify(s.slice(0, 300))}… (${s.length} chars)` : JSON.stringify(s);
const describe = (r: Req) =>
  `${r.what}: ${r.method} ${r.path.length > 200 ? `${r.path.slice(0, 200)}…` : r.path} ${JSON.stringify(r.headers).slice(0, 300)} ${short(r.body)}`;

/** Sends one request with a deadline; a stream that opens is cancelled at once (and fails the check). */
async function send(req: Req): Promise<{ status: number; type: string; text: string }> {
  let res: Response;
  try {
    res = await fetch(server.url + req.path, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    throw new Error(`${describe(req)}\n→ no answer within ${REQUEST_TIMEOUT_MS} ms: ${(e as Error).message}`);
  }
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, type, text: '(a stream opened)' };
  }
  return { status: res.status, type, text: await res.text() };
}

function assertProblem(status: number, type: string, body: string, what: string) {
  assert.ok(status >= 400 && status < 500, `${what}\n→ ${status} ${body.slice(0, 300)}`);
  assert.match(type, /^application\/problem\+json\b/, `${what}\n→ ${status} with content-type ${type}`);
  const p = JSON.parse(body) as Record<string, unknown>;
  assert.equal(p.status, status, `${what}\n→ problem.status ${String(p.status)} ≠ ${status}`);
  for (const k of ['type', 'title', 'detail']) assert.equal(typeof p[k], 'string', `${what}\n→ problem without ${k}: ${body}`);
}

/** The change since the last check, if any; the baseline moves on, so one bad case is reported once. */
function storeChange(): string | undefined {
  const now = reader.dump();
  if (JSON.stringify(now) === JSON.stringify(baseline)) return undefined;
  const diff = dumpDiff(baseline, now);
  baseline = now;
  return diff;
}

function assertUnchanged(what: string) {
  const diff = storeChange();
  if (diff !== undefined) assert.fail(`${what}\n→ the store changed: ${diff}`);
}

async function expectRefused(req: Req) {
  const res = await send(req);
  const diff = storeChange();
  assertProblem(res.status, res.type, res.text, describe(req));
  if (diff !== undefined) assert.fail(`${describe(req)}\n→ the store changed: ${diff}`);
}

async function check(cases: fc.Arbitrary<Req>, runs = RUNS) {
  await fc.assert(
    fc.asyncProperty(cases, noiseHeaders, async (req, noise) => expectRefused({ ...req, headers: { ...noise, ...req.headers } })),
    // A failing case has changed the store, so re-running smaller ones would not mean the same: report it as found.
    { numRuns: runs, endOnFailure: true },
  );
}

// ---------------------------------------------------------------------------------------------
// Bodies

type Field = { required: boolean; bad: fc.Arbitrary<Frag> };
type BodySpec = { template: Entries; fields: Record<string, Field> };
type BodyCase = { body: string; contentType: string; what: string };

const json = (body: string, what: string): BodyCase => ({ body, contentType: 'application/json', what });

/** Every way to break a valid JSON object body: one bad field, one missing, one extra, not an object, broken text, wrong media type. */
function badBodies(spec: BodySpec): fc.Arbitrary<BodyCase> {
  const keys = spec.template.map(([k]) => k);
  const valid = objectText(spec.template);
  const required = keys.filter((k) => spec.fields[k].required);
  const with_ = (k: string, v: Frag) => objectText(spec.template.map(([kk, vv]) => [kk, kk === k ? v : vv]));
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...keys).chain((k) => spec.fields[k].bad.map((v) => json(with_(k, v), `bad ${k}`))) },
    ...(required.length > 0
      ? [fc.constantFrom(...required).map((k) => json(objectText(spec.template.filter(([kk]) => kk !== k)), `missing ${k}`))]
      : []),
    fc.tuple(extraKey(keys), anyJson).map(([k, v]) => json(objectText([...spec.template, [k, v]]), `extra field ${JSON.stringify(k)}`)),
    notObject.map((b) => json(b, 'not an object')),
    invalidJson(valid).map((b) => json(b, 'invalid JSON')),
    wrongContentType.map((ct) => ({ body: valid, contentType: ct, what: `content-type ${ct}` })),
  );
}

/** Routes that take no body: anything but nothing (or an empty object) is refused. */
const badNoBody: fc.Arbitrary<BodyCase> = fc.oneof(
  anyJson.filter((f) => f !== 'null' && f !== '{}').map((b) => json(b, 'a body where none is taken')),
  invalidJson('{"a":1}').map((b) => json(b, 'invalid JSON')),
  fc.tuple(wrongContentType, anyJson).map(([ct, b]) => ({ body: b, contentType: ct, what: `content-type ${ct}` })),
);

const bodyReq =
  (method: string, path: string, headers: Record<string, string>) =>
  (c: BodyCase): Req => ({
    method,
    path,
    headers: { ...headers, 'content-type': c.contentType },
    body: c.body,
    what: c.what,
  });

const notCurrency = fc.oneof(
  notString,
  fc
    .string({ maxLength: 6 })
    .filter((s) => !isCurrencyCode(s))
    .map(text),
  fc
    .stringMatching(/^[A-Z]{3}$/)
    .filter((s) => !isCurrencyCode(s))
    .map(text),
);
const badAmount = fc.oneof(
  notNumber,
  oddNumbers,
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((n) => !Number.isInteger(n))
    .map(text),
  fc.integer({ min: -1e9, max: 0 }).map(text),
  fc.integer({ min: 1_000_000_000_001, max: Number.MAX_SAFE_INTEGER }).map(text),
);

/** Splits of 3000 that are wrong in one way each; alice is the owner, bob the only other member. */
function badSplit(): fc.Arbitrary<Frag> {
  const A = alice.id;
  const B = bob.id;
  const split = (mode: unknown, rest: Entries) => objectText([['mode', text(mode)], ...rest]);
  const stranger = fc.oneof(
    fc.constant(dave.id),
    fc.stringMatching(/^[0-9a-z]{20}$/),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 70 }),
  );
  const notTwoDecimals = fc
    .integer({ min: 1, max: 99_999 })
    .filter((k) => k % 10 !== 0)
    .map((k) => k / 1000);
  return fc.oneof(
    notObject,
    fc.constant('{}'),
    fc
      .oneof(
        notString,
        fc
          .string()
          .filter((s) => !['equal', 'exact', 'percent', 'shares'].includes(s))
          .map(text),
      )
      .map((m) =>
        objectText([
          ['mode', m],
          ['among', text([A, B])],
        ]),
      ),
    fc.constantFrom('equal', 'exact', 'percent', 'shares').map((m) => split(m, [])),
    // equal
    fc.constantFrom([], [A], [A, B, B], [B, B]).map((among) => split('equal', [['among', text(among)]])),
    fc.array(stranger, { minLength: 1, maxLength: 3 }).map((s) => split('equal', [['among', text([A, B, ...s])]])),
    fc
      .array(anyJson, { minLength: 1, maxLength: 3 })
      .filter((xs) => xs.some((x) => JSON.parse(x) !== A && JSON.parse(x) !== B))
      .map((xs) => split('equal', [['among', `[${[text(A), ...xs].join(',')}]`]])),
    fc.constant(split('equal', [['among', text(Array.from({ length: 501 }, (_, i) => `u${i}`))]])),
    fc.tuple(extraKey(['mode', 'among']), anyJson).map(([k, v]) =>
      split('equal', [
        ['among', text([A, B])],
        [k, v],
      ]),
    ),
    // exact
    fc
      .tuple(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }))
      .filter(([x, y]) => x + y !== 3000)
      .map(([x, y]) =>
        split('exact', [
          [
            'amounts',
            objectText([
              [A, text(x)],
              [B, text(y)],
            ]),
          ],
        ]),
      ),
    fc.constant(split('exact', [['amounts', objectText([[A, '3000']])]])),
    stranger.map((s) =>
      split('exact', [
        [
          'amounts',
          objectText([
            [B, '3000'],
            [s, '0'],
          ]),
        ],
      ]),
    ),
    fc.tuple(fc.oneof(badAmount, fc.constant('-5')), fc.constant(B)).map(([v, k]) =>
      split('exact', [
        [
          'amounts',
          objectText([
            [A, '0'],
            [k, v],
          ]),
        ],
      ]),
    ),
    // percent
    notTwoDecimals.map((p) =>
      split('percent', [
        [
          'percents',
          objectText([
            [A, text(p)],
            [B, text(100 - p)],
          ]),
        ],
      ]),
    ),
    fc
      .tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 }))
      .filter(([x, y]) => x + y !== 100)
      .map(([x, y]) =>
        split('percent', [
          [
            'percents',
            objectText([
              [A, text(x)],
              [B, text(y)],
            ]),
          ],
        ]),
      ),
    fc.constant(split('percent', [['percents', objectText([[A, '100']])]])),
    // shares
    fc
      .oneof(
        fc.integer({ min: -5, max: 0 }),
        fc.integer({ min: 1_000_001, max: 1e9 }),
        fc.double({ min: 0.01, max: 10, noNaN: true }).filter((n) => !Number.isInteger(n)),
      )
      .map((s) =>
        split('shares', [
          [
            'shares',
            objectText([
              [A, '1'],
              [B, text(s)],
            ]),
          ],
        ]),
      ),
    fc.constant(split('shares', [['shares', objectText([[A, '5']])]])),
    // keys no user has
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf').map((k) =>
      split('shares', [
        [
          'shares',
          objectText([
            [A, '1'],
            [k, '1'],
          ]),
        ],
      ]),
    ),
    fc.constantFrom('amounts', 'percents', 'shares').map((k) =>
      split('equal', [
        ['among', text([A, B])],
        [k, '{}'],
      ]),
    ),
  );
}

function bodyRoutes(): { name: string; cases: () => fc.Arbitrary<Req> }[] {
  const register_: BodySpec = {
    template: [
      ['name', text('Zed')],
      ['email', text('zed.hardening@example.test')],
      ['password', text(PASSWORD)],
    ],
    fields: {
      name: { required: true, bad: badText(100) },
      email: { required: true, bad: badEmail },
      password: {
        required: true,
        bad: fc.oneof(
          notString,
          fc.string({ maxLength: 7 }).map(text),
          tooLong(1024).map(text),
          withLoneSurrogate.map((s) => text(`${s}padding!`)),
        ),
      },
    },
  };
  const login: BodySpec = {
    template: [
      ['email', text(alice.email)],
      ['password', text(PASSWORD)],
    ],
    fields: {
      // Well-formed but wrong credentials are refused too (401), after the same password work.
      email: {
        required: true,
        bad: fc.oneof(
          notString,
          fc.constant(text('')),
          tooLong(254).map(text),
          fc
            .emailAddress()
            .filter((e) => e !== alice.email)
            .map(text),
        ),
      },
      password: {
        required: true,
        bad: fc.oneof(
          notString,
          fc.constant(text('')),
          tooLong(1024).map(text),
          fc
            .string({ minLength: 1, maxLength: 30 })
            .filter((p) => p !== PASSWORD)
            .map(text),
        ),
      },
    },
  };
  // A wrong current password is refused too (400), after the same password work; nothing changes.
  const password: BodySpec = {
    template: [
      ['current', text(PASSWORD)],
      ['next', text('a brand new secret')],
    ],
    fields: {
      current: {
        required: true,
        bad: fc.oneof(
          notString,
          fc.constant(text('')),
          tooLong(1024).map(text),
          fc
            .string({ minLength: 1, maxLength: 30 })
            .filter((p) => p !== PASSWORD)
            .map(text),
        ),
      },
      next: {
        required: true,
        bad: fc.oneof(
          notString,
          fc.string({ maxLength: 7 }).map(text),
          tooLong(1024).map(text),
          withLoneSurrogate.map((s) => text(`${s}padding!`)),
        ),
      },
    },
  };
  const group: BodySpec = {
    template: [
      ['name', text('Trip')],
      ['currency', text('EUR')],
    ],
    fields: { name: { required: true, bad: badText(100) }, currency: { required: false, bad: notCurrency } },
  };
  const member: BodySpec = {
    template: [['email', text(dave.email)]],
    // An unknown address is no longer bad: it adds a pending member (issue 16). Members already in are.
    fields: { email: { required: true, bad: fc.oneof(badEmail, fc.constantFrom(alice.email, bob.email).map(text)) } },
  };
  const invite: BodySpec = {
    template: [['expiresInDays', '7']],
    fields: {
      expiresInDays: {
        required: false,
        bad: fc.oneof(
          fc.integer({ min: -1_000_000, max: 0 }).map(String),
          fc.integer({ min: 31, max: 1_000_000 }).map(String),
          fc.constantFrom('1.5', '"7"', 'null', 'true', '[]', '{}'),
        ),
      },
    },
  };
  const acceptBody: BodySpec = {
    template: [['memberId', text(alice.id)]],
    // Alice is a member with an email: not claimable (403) even when well formed; malformed ids are 400.
    fields: {
      memberId: {
        required: false,
        bad: fc.oneof(notString, fc.constantFrom('', 'a b', 'x'.repeat(65), 'é').map(text), fc.constant(text(alice.id))),
      },
    },
  };
  const bill: BodySpec = {
    template: [
      ['description', text('Dinner')],
      ['amount', '3000'],
      [
        'split',
        objectText([
          ['mode', text('equal')],
          ['among', text([alice.id, bob.id])],
        ]),
      ],
    ],
    fields: {
      description: { required: true, bad: badText(200) },
      amount: { required: true, bad: badAmount },
      split: { required: true, bad: badSplit() },
    },
  };
  const readAll: BodySpec = { template: [['all', 'true']], fields: { all: { required: true, bad: anyJson.filter((f) => f !== 'true') } } };
  const readUpTo: BodySpec = {
    template: [['upTo', text('1')]],
    fields: {
      upTo: {
        required: true,
        bad: fc.oneof(
          notString,
          fc
            .string()
            .filter((s) => !NOTIFICATION_ID.test(s))
            .map(text),
          fc.bigInt({ min: 1000n, max: 10n ** 16n - 1n }).map((n) => text(String(n))),
        ),
      },
    },
  };
  // Issue 14. A device bob would add: every part wrong in turn, the SSRF guard's refusals included (http:,
  // an origin not in PUSH_ALLOWED_ORIGINS, credentials in the URL) and keys that are no P-256 point or secret.
  const fine = device('bob-laptop');
  const b64 = (bytes: Buffer) => text(bytes.toString('base64url'));
  const point = (first: number, length = 65) => Buffer.concat([Buffer.from([first]), randomBytes(length - 1)]);
  const keys = (p256dh: Frag, auth: Frag) =>
    objectText([
      ['p256dh', p256dh],
      ['auth', auth],
    ]);
  const pushSub: BodySpec = {
    template: [
      ['endpoint', text(fine.endpoint)],
      ['expirationTime', 'null'],
      ['keys', keys(text(fine.keys.p256dh), text(fine.keys.auth))],
    ],
    fields: {
      endpoint: {
        required: true,
        bad: fc.oneof(
          notString,
          fc
            .constantFrom(
              'http://127.0.0.1:9/push/bob-laptop',
              'https://127.0.0.1:10/push/bob-laptop',
              'https://127.0.0.1/push/bob-laptop',
              'https://localhost:9/push/bob-laptop',
              'https://169.254.169.254/latest/meta-data',
              'https://user:pw@127.0.0.1:9/push/bob-laptop',
              'wss://127.0.0.1:9/push/bob-laptop',
              'file:///etc/passwd',
              'not a url at all',
              '',
            )
            .map(text),
          fc
            .webUrl()
            .filter((u) => new URL(u).origin !== PUSH_ORIGIN)
            .map(text),
          tooLong(2048).map((s) => text(`${PUSH_ORIGIN}/${s}`)),
        ),
      },
      expirationTime: {
        required: false,
        bad: fc.oneof(
          notNumber.filter((f) => f !== 'null'),
          fc.constantFrom('"1"', 'true', '{}', '[]'),
        ),
      },
      keys: {
        required: true,
        bad: fc.oneof(
          notObject,
          fc.constantFrom(
            '{}',
            objectText([['p256dh', text(fine.keys.p256dh)]]),
            objectText([['auth', text(fine.keys.auth)]]),
            keys(b64(point(2)), text(fine.keys.auth)), // a compressed-point prefix
            keys(b64(point(4, 64)), text(fine.keys.auth)),
            keys(b64(point(4, 66)), text(fine.keys.auth)),
            keys(text(fine.keys.p256dh.replace(/.$/, '+')), text(fine.keys.auth)),
            keys(text(fine.keys.p256dh), b64(randomBytes(15))),
            keys(text(fine.keys.p256dh), b64(randomBytes(17))),
            keys(text(fine.keys.p256dh), text(fine.keys.auth.replace(/^./, '/'))),
          ),
          fc.tuple(extraKey(['p256dh', 'auth']), anyJson).map(([k, v]) =>
            objectText([
              ['p256dh', text(fine.keys.p256dh)],
              ['auth', text(fine.keys.auth)],
              [k, v],
            ]),
          ),
          fc
            .tuple(fc.constantFrom('p256dh', 'auth'), notString)
            .map(([k, v]) => (k === 'p256dh' ? keys(v, text(fine.keys.auth)) : keys(text(fine.keys.p256dh), v))),
        ),
      },
    },
  };
  // Bob turns bill.paid pushes off: unknown types, choices that are not {push?, email?} booleans, too many keys.
  const types = NOTIFICATION_TYPES as readonly string[];
  const notBoolean = anyJson.filter((f) => f !== 'true' && f !== 'false');
  const preferences: BodySpec = {
    template: [['preferences', objectText([['bill.paid', objectText([['push', 'false']])]])]],
    fields: {
      preferences: {
        required: true,
        bad: fc.oneof(
          notObject,
          fc
            .oneof(extraKey(types as string[]), fc.constantFrom('bill', 'BILL.PAID', 'bill.paid ', '*', 'x'.repeat(65)))
            .filter((k) => !types.includes(k))
            .map((k) =>
              objectText([
                ['bill.paid', '{"push":false}'],
                [k, '{"push":false}'],
              ]),
            ),
          notObject.map((c) => objectText([['bill.paid', c]])),
          fc.tuple(fc.constantFrom('push', 'email'), notBoolean).map(([k, v]) => objectText([['bill.paid', objectText([[k, v]])]])),
          fc.tuple(extraKey(['push', 'email']), anyJson).map(([k, v]) =>
            objectText([
              [
                'bill.paid',
                objectText([
                  ['push', 'false'],
                  [k, v],
                ]),
              ],
            ]),
          ),
          fc.constant(
            objectText([
              ['bill.paid', '{"push":false}'],
              ...Array.from({ length: 64 }, (_, i): [string, Frag] => [`t${i}`, '{"push":false}']),
            ]),
          ),
        ),
      },
    },
  };
  const billKey = fc.oneof(
    fc.integer({ min: 256, max: 2000 }).map((n) => 'k'.repeat(n)),
    headerValue.filter((v) => !/^[\x21-\x7e]{1,255}$/.test(v.trim())),
  );
  return [
    { name: 'POST /api/auth/register', cases: () => badBodies(register_).map(bodyReq('POST', '/api/auth/register', {})) },
    { name: 'POST /api/auth/login', cases: () => badBodies(login).map(bodyReq('POST', '/api/auth/login', {})) },
    { name: 'POST /api/auth/logout', cases: () => badNoBody.map(bodyReq('POST', '/api/auth/logout', bearer(logoutToken))) },
    { name: 'POST /api/auth/logout-all', cases: () => badNoBody.map(bodyReq('POST', '/api/auth/logout-all', bearer(logoutToken))) },
    { name: 'POST /api/auth/password', cases: () => badBodies(password).map(bodyReq('POST', '/api/auth/password', bearer(logoutToken))) },
    { name: 'POST /api/groups', cases: () => badBodies(group).map(bodyReq('POST', '/api/groups', bearer(alice))) },
    {
      name: 'POST /api/groups/:groupId/members',
      cases: () => badBodies(member).map(bodyReq('POST', `/api/groups/${groupId}/members`, bearer(alice))),
    },
    {
      name: 'POST /api/groups/:groupId/bills',
      cases: () =>
        fc.oneof(
          { weight: 4, arbitrary: badBodies(bill).map(bodyReq('POST', `/api/groups/${groupId}/bills`, bearer(alice))) },
          billKey.map((key) =>
            bodyReq('POST', `/api/groups/${groupId}/bills`, { ...bearer(alice), 'idempotency-key': key })(
              json(objectText(bill.template), 'bad Idempotency-Key'),
            ),
          ),
        ),
    },
    {
      name: 'POST /api/bills/:billId/pay',
      cases: () =>
        fc.oneof(
          { weight: 3, arbitrary: badNoBody.map(bodyReq('POST', `/api/bills/${billId}/pay`, bearer(bob))) },
          billKey.map(
            (key): Req => ({
              method: 'POST',
              path: `/api/bills/${billId}/pay`,
              headers: { ...bearer(bob), 'idempotency-key': key },
              what: 'bad Idempotency-Key',
            }),
          ),
        ),
    },
    {
      // Taking back bob's payment: no body, and an Idempotency-Key only if well-formed.
      name: 'POST /api/bills/:billId/unpay',
      cases: () =>
        fc.oneof(
          { weight: 3, arbitrary: badNoBody.map(bodyReq('POST', `/api/bills/${paidBillId}/unpay`, bearer(bob))) },
          billKey.map(
            (key): Req => ({
              method: 'POST',
              path: `/api/bills/${paidBillId}/unpay`,
              headers: { ...bearer(bob), 'idempotency-key': key },
              what: 'bad Idempotency-Key',
            }),
          ),
        ),
    },
    { name: 'DELETE /api/bills/:billId', cases: () => badNoBody.map(bodyReq('DELETE', `/api/bills/${billId}`, bearer(alice))) },
    {
      name: 'POST /api/notifications/read',
      cases: () => fc.oneof(badBodies(readAll), badBodies(readUpTo)).map(bodyReq('POST', '/api/notifications/read', bearer(bob))),
    },
    {
      name: 'POST /api/groups/:groupId/invites',
      cases: () => badBodies(invite).map(bodyReq('POST', `/api/groups/${groupId}/invites`, bearer(alice))),
    },
    {
      name: 'POST /api/invites/:token/accept',
      cases: () => badBodies(acceptBody).map(bodyReq('POST', `/api/invites/${inviteToken}/accept`, bearer(carolOutside))),
    },
    {
      name: 'DELETE /api/groups/:groupId/members/:userId',
      cases: () => badNoBody.map(bodyReq('DELETE', `/api/groups/${groupId}/members/${bob.id}`, bearer(bob))),
    },
    { name: 'DELETE /api/invites/:inviteId', cases: () => badNoBody.map(bodyReq('DELETE', `/api/invites/${inviteId}`, bearer(alice))) },
    { name: 'POST /api/push/subscriptions', cases: () => badBodies(pushSub).map(bodyReq('POST', '/api/push/subscriptions', bearer(bob))) },
    {
      name: 'DELETE /api/push/subscriptions/:id',
      cases: () => badNoBody.map(bodyReq('DELETE', `/api/push/subscriptions/${aliceDevice}`, bearer(alice))),
    },
    {
      name: 'PUT /api/me/notification-preferences',
      cases: () => badBodies(preferences).map(bodyReq('PUT', '/api/me/notification-preferences', bearer(bob))),
    },
    // The same body as read; an upTo beyond the caller's newest notification is refused too.
    {
      name: 'POST /api/notifications/seen',
      cases: () => fc.oneof(badBodies(readAll), badBodies(readUpTo)).map(bodyReq('POST', '/api/notifications/seen', bearer(bob))),
    },
  ];
}

test('bad bodies on every route that takes one (or must not)', { timeout: 120_000 }, async (t) => {
  for (const route of bodyRoutes()) await t.test(route.name, () => check(route.cases()));
});

// ---------------------------------------------------------------------------------------------
// Path ids, query strings, headers

type RouteRef = { method: string; path: (g: string, b: string) => string; user: () => TestUser; body?: () => unknown; changes: boolean };

/** Every authenticated HTTP route, each with a request that would succeed as it stands. */
const ROUTES: Record<string, RouteRef> = {
  'POST /api/auth/logout': { method: 'POST', path: () => '/api/auth/logout', user: () => alice, changes: true },
  'GET /api/me': { method: 'GET', path: () => '/api/me', user: () => alice, changes: false },
  'POST /api/groups': { method: 'POST', path: () => '/api/groups', user: () => alice, body: () => ({ name: 'Trip' }), changes: true },
  'GET /api/groups': { method: 'GET', path: () => '/api/groups', user: () => alice, changes: false },
  'GET /api/groups/:groupId': { method: 'GET', path: (g) => `/api/groups/${g}`, user: () => alice, changes: false },
  'POST /api/groups/:groupId/members': {
    method: 'POST',
    path: (g) => `/api/groups/${g}/members`,
    user: () => alice,
    body: () => ({ email: dave.email }),
    changes: true,
  },
  'GET /api/groups/:groupId/balances': { method: 'GET', path: (g) => `/api/groups/${g}/balances`, user: () => alice, changes: false },
  'POST /api/groups/:groupId/bills': {
    method: 'POST',
    path: (g) => `/api/groups/${g}/bills`,
    user: () => alice,
    body: () => ({ description: 'Dinner', amount: 3000, split: { mode: 'equal', among: [alice.id, bob.id] } }),
    changes: true,
  },
  'GET /api/groups/:groupId/bills': { method: 'GET', path: (g) => `/api/groups/${g}/bills`, user: () => alice, changes: false },
  'GET /api/bills/:billId': { method: 'GET', path: (_g, b) => `/api/bills/${b}`, user: () => alice, changes: false },
  'POST /api/bills/:billId/pay': { method: 'POST', path: (_g, b) => `/api/bills/${b}/pay`, user: () => bob, changes: true },
  'DELETE /api/bills/:billId': { method: 'DELETE', path: (_g, b) => `/api/bills/${b}`, user: () => alice, changes: true },
  // The base request names the bill bob has paid (the bill id stands for "the id that works" in the cases above).
  'POST /api/bills/:billId/unpay': {
    method: 'POST',
    path: (_g, b) => `/api/bills/${b === billId ? paidBillId : b}/unpay`,
    user: () => bob,
    changes: true,
  },
  'PATCH /api/bills/:billId': {
    method: 'PATCH',
    path: (_g, b) => `/api/bills/${b}`,
    user: () => alice,
    body: () => ({ notes: 'x' }),
    changes: true,
  },
  'GET /api/bills/:billId/history': { method: 'GET', path: (_g, b) => `/api/bills/${b}/history`, user: () => alice, changes: false },
  'POST /api/bills/:billId/remind': { method: 'POST', path: (_g, b) => `/api/bills/${b}/remind`, user: () => alice, changes: true },
  'GET /api/groups/:groupId/payments': { method: 'GET', path: (g) => `/api/groups/${g}/payments`, user: () => alice, changes: false },
  'POST /api/groups/:groupId/payments': {
    method: 'POST',
    path: (g) => `/api/groups/${g}/payments`,
    user: () => bob,
    body: () => ({ to: alice.id, amount: 1 }),
    changes: true,
  },
  // The path id here is a payment's: a bill id (the default) names no payment.
  'POST /api/payments/:paymentId/confirm': {
    method: 'POST',
    path: (_g, p) => `/api/payments/${p}/confirm`,
    user: () => alice,
    changes: true,
  },
  'POST /api/payments/:paymentId/dispute': {
    method: 'POST',
    path: (_g, p) => `/api/payments/${p}/dispute`,
    user: () => alice,
    changes: true,
  },
  'GET /api/notifications': { method: 'GET', path: () => '/api/notifications', user: () => bob, changes: false },
  'POST /api/notifications/read': {
    method: 'POST',
    path: () => '/api/notifications/read',
    user: () => bob,
    body: () => ({ all: true }),
    changes: true,
  },
  'GET /api/notifications/stream': { method: 'GET', path: () => '/api/notifications/stream', user: () => bob, changes: false },
  'POST /api/groups/:groupId/invites': {
    method: 'POST',
    path: (g) => `/api/groups/${g}/invites`,
    user: () => alice,
    body: () => ({}),
    changes: true,
  },
  'GET /api/groups/:groupId/invites': { method: 'GET', path: (g) => `/api/groups/${g}/invites`, user: () => alice, changes: false },
  'GET /api/groups/:groupId/activity': { method: 'GET', path: (g) => `/api/groups/${g}/activity`, user: () => alice, changes: false },
  'DELETE /api/groups/:groupId/members/:userId': {
    method: 'DELETE',
    path: (g, b) => `/api/groups/${g}/members/${b}`,
    user: () => alice,
    changes: true,
  },
  'DELETE /api/invites/:inviteId': { method: 'DELETE', path: (_g, b) => `/api/invites/${b}`, user: () => alice, changes: true },
  'POST /api/invites/:token/accept': {
    method: 'POST',
    path: (_g, b) => `/api/invites/${b}/accept`,
    user: () => alice,
    body: () => ({}),
    changes: true,
  },
  'POST /api/push/subscriptions': {
    method: 'POST',
    path: () => '/api/push/subscriptions',
    user: () => bob,
    body: () => device('bob-tablet'),
    changes: true,
  },
  'GET /api/push/subscriptions': { method: 'GET', path: () => '/api/push/subscriptions', user: () => alice, changes: false },
  // The base request names alice's own device (the bill id stands for "the id that works" in the cases above).
  'DELETE /api/push/subscriptions/:id': {
    method: 'DELETE',
    path: (_g, b) => `/api/push/subscriptions/${b === billId ? aliceDevice : b}`,
    user: () => alice,
    changes: true,
  },
  'GET /api/me/notification-preferences': {
    method: 'GET',
    path: () => '/api/me/notification-preferences',
    user: () => bob,
    changes: false,
  },
  'PUT /api/me/notification-preferences': {
    method: 'PUT',
    path: () => '/api/me/notification-preferences',
    user: () => bob,
    body: () => ({ preferences: { 'bill.paid': { push: false } } }),
    changes: true,
  },
  'POST /api/notifications/seen': {
    method: 'POST',
    path: () => '/api/notifications/seen',
    user: () => bob,
    body: () => ({ all: true }),
    changes: true,
  },
};

function request(ref: RouteRef, headers: Record<string, string>, what: string, g = groupId, b = billId): Req {
  const body = ref.body?.();
  return {
    method: ref.method,
    path: ref.path(g, b),
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    what,
  };
}

test('path ids that name nothing, or nothing of the right kind', { timeout: 120_000 }, async (t) => {
  for (const [name, ref] of Object.entries(ROUTES)) {
    if (!name.includes(':')) continue;
    const byGroup = name.includes(':groupId');
    await t.test(name, () =>
      check(
        fc
          .oneof(badId, fc.constantFrom(alice.id, bob.id, byGroup ? billId : groupId))
          .map((id) => request(ref, bearer(ref.user()), `path id ${JSON.stringify(id)}`, byGroup ? id : groupId, byGroup ? billId : id)),
        Math.ceil(RUNS / 2),
      ),
    );
  }
});

test('credentials that name no session, and foreign origins on changes', { timeout: 120_000 }, async (t) => {
  const own = new URL(server.url).origin;
  const foreignOrigin = fc
    .oneof(
      fc.webUrl().map((u) => new URL(u).origin),
      fc.constantFrom('null', 'http://127.0.0.1:1', 'https://127.0.0.1', own.replace('127.0.0.1', 'localhost')),
      headerValue,
    )
    .filter((o) => o.trim() !== own && o.trim() !== '');
  for (const [name, ref] of Object.entries(ROUTES)) {
    const noSession = fc.oneof(
      fc.constant({}).map((h) => ({ h, what: 'no credentials' })),
      badAuthorization.map((v) => ({ h: { authorization: v }, what: 'bad Authorization' })),
      headerValue.map((v) => ({ h: { cookie: `chipin_session=${v}` }, what: 'unknown session cookie' })),
      // A malformed Authorization header is not silently skipped in favour of a valid cookie.
      badAuthorization
        .filter((v) => v.trim() !== '')
        .map((v) => ({
          h: { authorization: v, cookie: `chipin_session=${ref.user().token}`, origin: own },
          what: 'bad Authorization beside a good cookie',
        })),
    );
    const cases = ref.changes
      ? fc.oneof(
          noSession,
          foreignOrigin.map((o) => ({ h: { ...bearer(ref.user()), origin: o }, what: `foreign Origin ${o}` })),
          fc.constant({ h: { cookie: `chipin_session=${ref.user().token}` }, what: 'cookie without Origin' }),
        )
      : noSession;
    await t.test(name, () =>
      check(
        cases.map(({ h, what }) => request(ref, h, what)),
        Math.ceil(RUNS / 2),
      ),
    );
  }
  await t.test('POST /api/auth/register and /login from a foreign origin', () =>
    check(
      fc.tuple(foreignOrigin, fc.constantFrom('register', 'login')).map(
        ([o, route]): Req => ({
          method: 'POST',
          path: `/api/auth/${route}`,
          headers: { origin: o, 'content-type': 'application/json' },
          body: JSON.stringify(
            route === 'register'
              ? { name: 'Zed', email: 'zed.origin@example.test', password: PASSWORD }
              : { email: alice.email, password: PASSWORD },
          ),
          what: `foreign Origin ${o}`,
        }),
      ),
      Math.ceil(RUNS / 4),
    ),
  );
});

/** A query string with at least one bad parameter, among good, bad and unknown ones, in any order. */
function badQuery(params: Record<string, { good: fc.Arbitrary<string>; bad: fc.Arbitrary<string> }>): fc.Arbitrary<string> {
  const names = Object.keys(params);
  const unknown = fc.tuple(
    fc.oneof(fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 10 })).filter((k) => !names.includes(k)),
    fc.string({ maxLength: 10 }),
  );
  const bad = fc.oneof(
    ...(names.length > 0 ? [fc.constantFrom(...names).chain((n) => params[n].bad.map((v) => [n, v] as [string, string]))] : []),
    unknown,
  );
  const any = fc.oneof(
    bad,
    ...(names.length > 0 ? [fc.constantFrom(...names).chain((n) => params[n].good.map((v) => [n, v] as [string, string]))] : []),
  );
  return fc.tuple(bad, fc.array(any, { maxLength: 3 }), fc.nat()).map(([first, rest, at]) => {
    const all = [...rest];
    all.splice(at % (rest.length + 1), 0, first);
    return `?${new URLSearchParams(all.map(([k, v]) => [k.toWellFormed(), v.toWellFormed()])).toString()}`;
  });
}

test('bad query strings', { timeout: 120_000 }, async (t) => {
  const limit = {
    good: fc.integer({ min: 1, max: 100 }).map(String),
    bad: fc.oneof(
      fc.string({ maxLength: 8 }).filter((s) => !/^[0-9]{1,4}$/.test(s)),
      fc.integer({ min: 101, max: 9999 }).map(String),
      fc.constantFrom('0', '00', '0000'),
      fc.stringMatching(/^[1-9][0-9]{4,30}$/),
    ),
  };
  const cursor = {
    good: fc.stringMatching(/^[0-9a-z]{20}$/),
    bad: fc
      .oneof(fc.string({ maxLength: 30 }), tooLong(200), fc.string({ unit: 'binary', maxLength: 20 }))
      .filter((s) => !/^[0-9a-z]{20}$/.test(s)),
  };
  const beforeId = {
    good: fc.integer({ min: 0, max: 1e9 }).map(String),
    bad: fc
      .oneof(fc.string({ maxLength: 30 }), fc.constantFrom('-1', '01', '1.0', '1e3', ' 1', '99999999999999999'))
      .filter((s) => !NOTIFICATION_ID.test(s)),
  };
  const routes: [string, () => fc.Arbitrary<string>][] = [
    [`/api/groups/${groupId}/bills`, () => badQuery({ limit, cursor })],
    [`/api/groups/${groupId}/balances`, () => badQuery({})],
    ['/api/notifications', () => badQuery({ limit, before: beforeId })],
  ];
  for (const [path, q] of routes) {
    await t.test(`GET ${path.replace(groupId, ':groupId')}`, () =>
      check(
        q().map(
          (qs): Req => ({
            method: 'GET',
            path: path + qs,
            headers: bearer(path.includes('notifications') ? bob : alice),
            what: `query ${qs}`,
          }),
        ),
      ),
    );
  }
});

const badResumeId = headerValue.filter((v) => v.trim() !== '' && !NOTIFICATION_ID.test(v.trim()));

test('GET /api/notifications/stream: malformed resume ids are refused before the stream opens', { timeout: 120_000 }, () =>
  check(
    fc.oneof(
      badResumeId.map(
        (v): Req => ({
          method: 'GET',
          path: `/api/notifications/stream?lastEventId=${encodeURIComponent(v)}`,
          headers: bearer(bob),
          what: 'bad ?lastEventId',
        }),
      ),
      badResumeId.map(
        (v): Req => ({
          method: 'GET',
          path: '/api/notifications/stream',
          headers: { ...bearer(bob), 'last-event-id': v },
          what: 'bad Last-Event-ID',
        }),
      ),
      fc.constant<Req>({
        method: 'GET',
        path: '/api/notifications/stream?lastEventId=1&lastEventId=2',
        headers: bearer(bob),
        what: 'two ?lastEventId',
      }),
    ),
  ),
);

/** A WebSocket upgrade that must be refused: the status, type and body of the refusal. */
function refusedUpgrade(query: string, headers: Record<string, string>): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/api/notifications/ws${query}`, {
      headers,
      handshakeTimeout: REQUEST_TIMEOUT_MS,
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: body }));
    });
    ws.once('error', (e) => reject(e));
  });
}

test('GET /api/notifications/ws: bad resume ids, no session, foreign origins, and no upgrade at all', { timeout: 120_000 }, async () => {
  const own = new URL(server.url).origin;
  const cases = fc.oneof(
    badResumeId.map((v) => ({ q: `?lastEventId=${encodeURIComponent(v)}`, h: bearer(bob), what: 'bad ?lastEventId' })),
    badResumeId.map((v) => ({ q: '', h: { ...bearer(bob), 'last-event-id': v }, what: 'bad Last-Event-ID' })),
    badAuthorization.map((v) => ({ q: '', h: { authorization: v }, what: 'bad Authorization' })),
    fc.constant({ q: '', h: {} as Record<string, string>, what: 'no credentials' }),
    fc
      .constantFrom('http://evil.example', 'null', own.replace('127.0.0.1', 'localhost'))
      .map((o) => ({ q: '', h: { cookie: `chipin_session=${bob.token}`, origin: o }, what: `cookie from ${o}` })),
  );
  await fc.assert(
    fc.asyncProperty(cases, async ({ q, h, what }) => {
      const res = await refusedUpgrade(q, h);
      assertProblem(res.status, res.type, res.text, `WebSocket ${what} ${JSON.stringify(h).slice(0, 200)} ${q.slice(0, 100)}`);
      assertUnchanged(what);
    }),
    { numRuns: Math.ceil(RUNS / 2), endOnFailure: true },
  );
  // A plain GET (no upgrade) is a client error that says what to do, not an empty 404.
  const plain = await send({ method: 'GET', path: '/api/notifications/ws', headers: bearer(bob), what: 'GET without Upgrade' });
  assertProblem(plain.status, plain.type, plain.text, 'GET /api/notifications/ws without Upgrade');
});

test('GET /api/session: credentials that name no session are "signed out" (200, user null), a cross-origin cookie read is 403', {
  timeout: 120_000,
}, async () => {
  // The web app's first request on every load: never a 401, so any bad credential is the signed-out
  // answer, in time, with nothing changed; but a cookie sent from another origin is refused, not read.
  const own = new URL(server.url).origin;
  const signedOut = fc.oneof(
    fc.constant({ h: {} as Record<string, string>, what: 'no credentials' }),
    badAuthorization.map((v) => ({ h: { authorization: v }, what: 'bad Authorization' })),
    headerValue.map((v) => ({ h: { cookie: `chipin_session=${v}`, origin: own }, what: 'unknown session cookie' })),
  );
  await fc.assert(
    fc.asyncProperty(signedOut, noiseHeaders, async ({ h, what }, noise) => {
      const req: Req = { method: 'GET', path: '/api/session', headers: { ...noise, ...h }, what };
      const res = await send(req);
      assert.equal(res.status, 200, `${describe(req)}\n→ ${res.status} ${res.text.slice(0, 300)}`);
      assert.deepEqual(JSON.parse(res.text), { user: null }, describe(req));
      assertUnchanged(describe(req));
    }),
    { numRuns: Math.ceil(RUNS / 2), endOnFailure: true },
  );
  const foreign = fc.constantFrom('http://evil.example', 'null', own.replace('127.0.0.1', 'localhost'), 'http://127.0.0.1:1');
  await check(
    foreign.map(
      (o): Req => ({
        method: 'GET',
        path: '/api/session',
        headers: { cookie: `chipin_session=${bob.token}`, origin: o },
        what: `cookie from ${o}`,
      }),
    ),
    Math.ceil(RUNS / 4),
  );
  const res = await send({
    method: 'GET',
    path: '/api/session',
    headers: { cookie: `chipin_session=${bob.token}`, origin: 'http://evil.example' },
    what: 'cookie from another origin',
  });
  assert.equal(res.status, 403);
});

test('email unsubscribe links that are not a valid signature of a user are refused, and change nothing', { timeout: 120_000 }, async () => {
  // The link's token is the only credential (no session): a forged, borrowed, cut or padded one is a 404
  // (400 past the length limit), GET and POST alike, and nobody's email is turned off.
  const good = links.sign(alice.id);
  const [, bobMac] = links.sign(bob.id).split('.');
  const token = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((mac) => `${alice.id}.${mac}`),
    fc.constantFrom(
      `${alice.id}.${bobMac}`,
      alice.id,
      `${alice.id}.`,
      good.slice(0, -1),
      `${good}A`,
      `${good}.${bobMac}`,
      `.${good.split('.')[1]}`,
      good.replace('.', '..'),
      encodeURIComponent(`${good} `),
    ),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{43}$/),
    badId.filter((id) => id !== '.' && id !== '..'),
    tooLong(200).map((s) => encodeURIComponent(s)),
  );
  await check(
    fc.oneof(
      fc
        .tuple(fc.constantFrom('GET', 'POST'), token)
        .map(([method, t]): Req => ({ method, path: `/unsubscribe/${t}`, headers: {}, what: `token ${JSON.stringify(t).slice(0, 120)}` })),
      // A good link with a body that is not one: broken JSON is refused before the link is looked at.
      invalidJson('{}').map(
        (b): Req => ({
          method: 'POST',
          path: `/unsubscribe/${good}`,
          headers: { 'content-type': 'application/json' },
          body: b,
          what: 'invalid JSON body',
        }),
      ),
    ),
  );
});

test('methods a route does not have, and unknown /api paths', { timeout: 120_000 }, async () => {
  const paths = [
    '/healthz',
    '/metrics',
    '/api/openapi.json',
    '/api/push/public-key',
    '/api/push/subscriptions',
    '/api/me/notification-preferences',
    '/api/notifications/seen',
    '/api/me',
    '/api/groups',
    `/api/groups/${groupId}`,
    `/api/groups/${groupId}/bills`,
    `/api/bills/${billId}`,
    `/api/bills/${billId}/pay`,
    `/api/bills/${paidBillId}/unpay`,
    '/api/session',
    '/api/notifications',
    '/api/notifications/read',
    '/api/auth/login',
  ];
  const known = new Set([
    'GET /healthz',
    'GET /metrics',
    'GET /api/openapi.json',
    'GET /api/push/public-key',
    'GET /api/push/subscriptions',
    'POST /api/push/subscriptions',
    'GET /api/me/notification-preferences',
    'PUT /api/me/notification-preferences',
    'POST /api/notifications/seen',
    'GET /api/me',
    'GET /api/groups',
    'POST /api/groups',
    `GET /api/groups/${groupId}`,
    `GET /api/groups/${groupId}/bills`,
    `POST /api/groups/${groupId}/bills`,
    `GET /api/bills/${billId}`,
    `DELETE /api/bills/${billId}`,
    `POST /api/bills/${billId}/pay`,
    `POST /api/bills/${paidBillId}/unpay`,
    'GET /api/session',
    'GET /api/notifications',
    'POST /api/notifications/read',
    'POST /api/auth/login',
  ]);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...paths), fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), async (path, method) => {
      fc.pre(!known.has(`${method} ${path}`));
      await expectRefused({
        method,
        path,
        headers: { ...bearer(alice), 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : '{}',
        what: 'unknown method',
      });
    }),
    { numRuns: 60, endOnFailure: true },
  );
  await fc.assert(
    // Not '.' or '..': the URL parser resolves those out of /api before the request is sent.
    fc.asyncProperty(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).filter((s) => s !== '.' && s !== '..'),
      async (segment) => {
        const path = `/api/${encodeURIComponent(segment)}`;
        fc.pre(!['/api/me', '/api/groups', '/api/notifications', '/api/openapi.json', '/api/auth'].includes(path));
        await expectRefused({ method: 'GET', path, headers: { ...bearer(alice), accept: 'text/html' }, what: 'unknown /api path' });
      },
    ),
    { numRuns: 40, endOnFailure: true },
  );
});

// ---------------------------------------------------------------------------------------------
// Body size

test('a body over 64 KiB is 413 on every route that reads one, with or without a Content-Length', { timeout: 120_000 }, async (t) => {
  const LIMIT = 64 * 1024;
  const routes: [string, string, Record<string, string>, (filler: string) => unknown][] = [
    ['POST', '/api/auth/register', {}, (f) => ({ name: 'Zed', email: 'zed.big@example.test', password: PASSWORD, f })],
    ['POST', '/api/auth/login', {}, (f) => ({ email: alice.email, password: PASSWORD, f })],
    ['POST', '/api/auth/logout', bearer(logoutToken), (f) => ({ f })],
    ['POST', '/api/groups', bearer(alice), (f) => ({ name: f })],
    ['POST', `/api/groups/${groupId}/members`, bearer(alice), (f) => ({ email: dave.email, f })],
    [
      'POST',
      `/api/groups/${groupId}/bills`,
      bearer(alice),
      (f) => ({ description: f, amount: 3000, split: { mode: 'equal', among: [alice.id, bob.id] } }),
    ],
    ['POST', `/api/bills/${billId}/pay`, bearer(bob), (f) => ({ f })],
    ['POST', `/api/bills/${paidBillId}/unpay`, bearer(bob), (f) => ({ f })],
    ['DELETE', `/api/bills/${billId}`, bearer(alice), (f) => ({ f })],
    ['POST', '/api/notifications/read', bearer(bob), (f) => ({ all: true, f })],
  ];
  for (const [method, path, headers, make] of routes) {
    await t.test(`${method} ${path}`, async () => {
      const sized = (bytes: number) => {
        const empty = JSON.stringify(make('')).length;
        const body = JSON.stringify(make('x'.repeat(bytes - empty)));
        assert.equal(body.length, bytes);
        return body;
      };
      const over = sized(LIMIT + 1);
      await expectRefused({
        method,
        path,
        headers: { ...headers, 'content-type': 'application/json' },
        body: over,
        what: 'one byte over the limit',
      });
      const res = await send({
        method,
        path,
        headers: { ...headers, 'content-type': 'application/json' },
        body: over,
        what: 'over the limit',
      });
      assert.equal(res.status, 413);
      // Chunked, with no Content-Length to check up front: the limit holds while reading.
      const chunks = [over.slice(0, 40_000), over.slice(40_000)];
      const streamed = await fetch(server.url + path, {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: new ReadableStream({
          pull(c) {
            const next = chunks.shift();
            if (next === undefined) c.close();
            else c.enqueue(new TextEncoder().encode(next));
          },
        }),
        duplex: 'half',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      } as RequestInit);
      assert.equal(streamed.status, 413);
      assertProblem(streamed.status, streamed.headers.get('content-type') ?? '', await streamed.text(), `${method} ${path} chunked`);
      assertUnchanged(`${method} ${path} chunked`);
      // At the limit itself the body is read (and refused for what it says, not for its size).
      const at = await send({
        method,
        path,
        headers: { ...headers, 'content-type': 'application/json' },
        body: sized(LIMIT),
        what: 'at the limit',
      });
      assert.notEqual(at.status, 413, `${method} ${path}: exactly 64 KiB was refused as too large`);
      assertProblem(at.status, at.type, at.text, `${method} ${path} at the limit`);
      assertUnchanged(`${method} ${path} at the limit`);
    });
  }
});

/** One raw HTTP/1.1 exchange on a fresh socket: whatever Node's parser makes of `bytes`. */
function rawExchange(bytes: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms to ${JSON.stringify(bytes.slice(0, 120))}`));
    }, REQUEST_TIMEOUT_MS);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', () => undefined);
    socket.write(bytes, 'latin1');
    // Half-close, so a request whose body never comes is not left waiting for it.
    setTimeout(() => socket.end(), 200);
  });
}

test('requests Node refuses before any route (not HTTP, huge or broken headers) are problems too', { timeout: 120_000 }, async () => {
  const host = `Host: ${new URL(server.url).host}\r\n`;
  const cases = fc.oneof(
    fc.constantFrom(
      'GARBAGE\r\n\r\n',
      `GET /api/me HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      `GET /api/me HTTP/1.1\r\n${host}X-Bad: a\x01b\r\n\r\n`,
      `GET /api/me HTTP/1.1\r\n${host}Bad Header: x\r\n\r\n`,
      `POST /api/groups HTTP/1.1\r\n${host}Content-Length: abc\r\n\r\n`,
      `POST /api/groups HTTP/1.1\r\n${host}Content-Length: 1\r\nContent-Length: 2\r\n\r\n`,
      `POST /api/groups HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n`,
      `POST /api/groups HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `GET /api/bills/\xff HTTP/1.1\r\n${host}\r\n`,
      `GET /api/me HTTP/9.9\r\n${host}\r\n`,
      `GET /api/me HTTP/1.1\r\n${host}Authorization: Bearer ${alice.token}\r\n Folded: header\r\n\r\n`,
    ),
    // Junk of line ends alone is no request at all: RFC 9112 §2.2 has a server ignore empty lines
    // before a request line, so there is nothing to answer.
    fc
      .string({ unit: 'binary-ascii', minLength: 1, maxLength: 80 })
      .filter((junk) => /[^\r\n]/.test(junk))
      .map((junk) => `${junk}\r\n\r\n`),
    fc
      .string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 })
      .filter((v) => /[\x00-\x08\x0a-\x1f\x7f]/.test(v))
      .map((v) => `GET /api/me HTTP/1.1\r\n${host}X-Fuzz: ${v}\r\n\r\n`),
  );
  await fc.assert(
    fc.asyncProperty(cases, async (bytes) => {
      const raw = await rawExchange(bytes);
      const what = `raw ${JSON.stringify(bytes.slice(0, 120))}`;
      const m = /^HTTP\/1\.1 (\d{3}) [^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(raw);
      assert.ok(m, `${what}\n→ not an HTTP response: ${JSON.stringify(raw.slice(0, 300))}`);
      const status = Number(m[1]);
      const type = /^content-type: *([^\r]*)$/im.exec(m[2])?.[1] ?? '';
      assert.match(m[2], /^x-content-type-options: *nosniff$/im, `${what}\n→ no nosniff`);
      // A junk line can still parse as a request (to an unknown path); only the first response counts.
      const length = Number(/^content-length: *(\d+)$/im.exec(m[2])?.[1] ?? m[3].length);
      assertProblem(status, type, m[3].slice(0, length), what);
      assertUnchanged(what);
    }),
    { numRuns: Math.ceil(RUNS / 2), endOnFailure: true },
  );
});

test('pathological strings cost no more than ordinary ones (no regular-expression backtracking)', { timeout: 120_000 }, async () => {
  // Each is a long run of characters the text patterns accept, ended by one they refuse: a pattern
  // like ^A*[B]A*$ would try every split of the run (seconds at 60 KB).
  const runs = [
    `${'x'.repeat(60_000)}\u0001`,
    `${'é'.repeat(30_000)}\ud800`,
    `${' '.repeat(60_000)}\u0085`,
    `${'a@'.repeat(30_000)}\u0000`,
  ];
  for (const filler of runs) {
    for (const [path, body, who] of [
      ['/api/groups', { name: filler }, alice],
      [`/api/groups/${groupId}/bills`, { description: filler, amount: 3000, split: { mode: 'equal', among: [alice.id, bob.id] } }, alice],
      [`/api/groups/${groupId}/members`, { email: filler }, alice],
      ['/api/auth/register', { name: 'Zed', email: filler, password: PASSWORD }, undefined],
    ] as const) {
      const req: Req = {
        method: 'POST',
        path,
        headers: { ...(who ? bearer(who) : {}), 'content-type': 'application/json' },
        body: JSON.stringify(body),
        what: `${filler.length} pathological chars`,
      };
      const start = performance.now();
      await expectRefused(req);
      const ms = performance.now() - start;
      assert.ok(ms < 1000, `${path}: ${ms.toFixed(0)} ms for a ${filler.length}-character string`);
    }
  }
});

test('well-formed text in any script is stored as given (names trimmed, descriptions verbatim)', { timeout: 120_000 }, async () => {
  // The other side of refusing controls and lone surrogates: everything else is accepted and comes back
  // exactly, including markup, which the web app renders as text.
  const wellFormed = fc
    .string({
      unit: fc.oneof(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
        fc.constantFrom(' ', '<', '>', '&', '"', "'", '\u202e', '\u200d', '😀', '字'),
      ),
      minLength: 1,
      maxLength: 60,
    })
    .filter((t) => /\S/.test(t) && !/[\p{Cc}\p{Cs}]/u.test(t) && [...t].length <= 100);
  await fc.assert(
    fc.asyncProperty(wellFormed, wellFormed, async (name, description) => {
      const g = await send({
        method: 'POST',
        path: '/api/groups',
        headers: { ...bearer(alice), 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
        what: 'group',
      });
      assert.equal(g.status, 201, g.text);
      const group = JSON.parse(g.text).group;
      assert.equal(group.name, name.trim());
      const b = await send({
        method: 'POST',
        path: `/api/groups/${groupId}/bills`,
        headers: { ...bearer(alice), 'content-type': 'application/json' },
        body: JSON.stringify({ description, amount: 100, split: { mode: 'equal', among: [alice.id, bob.id] } }),
        what: 'bill',
      });
      assert.equal(b.status, 201, b.text);
      const stored = await send({
        method: 'GET',
        path: `/api/bills/${JSON.parse(b.text).bill.id}`,
        headers: bearer(bob),
        what: 'read back',
      });
      assert.equal(JSON.parse(stored.text).bill.description, description);
      const readGroup = await send({ method: 'GET', path: `/api/groups/${group.id}`, headers: bearer(alice), what: 'read back' });
      assert.equal(JSON.parse(readGroup.text).group.name, name.trim());
    }),
    { numRuns: 30 },
  );
  baseline = reader.dump();
});

test('every declared route is covered by the cases above', { timeout: 10_000 }, () => {
  // Routes with no input at all (public, no parameters) are covered by the wrong-method cases only.
  const covered = new Set([
    ...bodyRoutes().map((r) => r.name),
    ...Object.keys(ROUTES),
    'GET /api/notifications/ws',
    'GET /healthz',
    'GET /metrics',
    'GET /api/openapi.json',
    // Public: the token is the credential, and any token that names no open invite is the same 404
    // (test/api/invites.test.ts); no session, no body, nothing to change.
    'GET /api/invites/:token',
    // Public and without input: the deployment's VAPID key; covered by the wrong-method cases.
    'GET /api/push/public-key',
    // The email's unsubscribe link: its own test above (the token is the only input).
    'GET /unsubscribe/:token',
    'POST /unsubscribe/:token',
    // Its only input is the credential: its own test above (never a 401; a cross-origin cookie read is 403).
    'GET /api/session',
  ]);
  assert.deepEqual(
    declaredRoutes().filter((r) => !covered.has(r)),
    [],
    'routes without hostile-input cases: add them here',
  );
});

test('the fixtures are live: each base request, as built here, would succeed', { timeout: 120_000 }, async () => {
  // Without this, a refusal above could come from a broken fixture rather than from the bad part.
  // Run last and read-only where possible; the changing ones on fresh objects.
  for (const name of [
    'GET /api/push/subscriptions',
    'GET /api/me/notification-preferences',
    'GET /api/me',
    'GET /api/groups',
    'GET /api/groups/:groupId',
    'GET /api/groups/:groupId/balances',
    'GET /api/groups/:groupId/bills',
    'GET /api/bills/:billId',
    'GET /api/notifications',
  ]) {
    const res = await send(request(ROUTES[name], bearer(ROUTES[name].user()), 'fixture'));
    assert.equal(res.status, 200, `${name}: ${res.status} ${res.text.slice(0, 200)}`);
  }
  const stream = await fetch(`${server.url}/api/notifications/stream?lastEventId=0`, {
    headers: bearer(bob),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  assert.equal(stream.status, 200);
  await stream.body?.cancel();
  const ok = async (req: Req, status: number) => {
    const res = await send(req);
    assert.equal(res.status, status, `${req.what}: ${res.status} ${res.text.slice(0, 300)}`);
  };
  await ok(request(ROUTES['POST /api/notifications/read'], bearer(bob), 'read all'), 204);
  await ok(request(ROUTES['POST /api/notifications/seen'], bearer(bob), 'seen all'), 204);
  await ok(request(ROUTES['PUT /api/me/notification-preferences'], bearer(bob), 'bill.paid pushes off'), 200);
  await ok(request(ROUTES['POST /api/push/subscriptions'], bearer(bob), 'add a device'), 201);
  await ok(
    {
      method: 'POST',
      path: '/api/push/subscriptions',
      headers: { ...bearer(bob), 'content-type': 'application/json' },
      body: objectText([
        ['endpoint', text(`${PUSH_ORIGIN}/push/bob-laptop`)],
        ['keys', text(device('x').keys)],
      ]),
      what: 'the body template',
    },
    201,
  );
  await ok(request(ROUTES['DELETE /api/push/subscriptions/:id'], bearer(alice), "remove alice's device"), 204);
  await ok({ method: 'GET', path: `/unsubscribe/${links.sign(alice.id)}`, headers: {}, what: 'unsubscribe page' }, 200);
  await ok({ method: 'POST', path: `/unsubscribe/${links.sign(alice.id)}`, headers: {}, what: 'one-click unsubscribe' }, 200);
  await ok(request(ROUTES['POST /api/groups/:groupId/members'], bearer(alice), 'add dave'), 201);
  await ok(request(ROUTES['POST /api/groups/:groupId/bills'], bearer(alice), 'create a bill'), 201);
  await ok(request(ROUTES['POST /api/bills/:billId/pay'], bearer(bob), 'bob pays'), 200);
  await ok(request(ROUTES['POST /api/bills/:billId/unpay'], bearer(bob), 'bob takes his payment back'), 200);
  await ok({ method: 'GET', path: '/api/session', headers: bearer(bob), what: 'who is signed in' }, 200);
  const other = await billFor(server.url, alice, groupId, [bob]);
  await ok(request(ROUTES['DELETE /api/bills/:billId'], bearer(alice), 'alice deletes', groupId, other.id), 204);
  await ok(request(ROUTES['POST /api/groups'], bearer(alice), 'create a group'), 201);
  await ok(
    {
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: alice.email, password: PASSWORD }),
      what: 'login',
    },
    200,
  );
  await ok(
    {
      method: 'POST',
      path: '/api/auth/register',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Zed', email: 'zed.hardening@example.test', password: PASSWORD }),
      what: 'register',
    },
    201,
  );
  await ok(request(ROUTES['POST /api/auth/logout'], bearer(logoutToken), 'logout'), 204);
});

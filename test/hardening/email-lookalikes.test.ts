// Issue 19 item 9: a look-alike spelling of carol's address makes no second account. Each variant the
// attack run registered beside carol is either the same address (409 on register, carol on login and
// add-member) or refused with a 400 naming the email field (src/domain/email.ts). On both stores
// (TEST_STORE=postgres).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';
import { call, register } from '../support/api.ts';
import { expectInvalid, expectProblem } from '../api/shared.ts';
import { hashPassword } from '../../src/domain/password.ts';
import { newId } from '../../src/domain/ids.ts';

const PASSWORD = 'correct horse battery';
const tag = `${process.pid}x${Date.now().toString(36)}`;
const fullwidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

test('look-alike spellings of an address are the same account or refused, on register, login and add-member', {
  timeout: 60_000,
}, async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const carolEmail = `carol.${tag}@example.test`;
  const joseEmail = `jos\u00E9.${tag}@example.test`; // NFC: é precomposed
  const signUp = (email: string, name = 'Mallory') =>
    call(s.url, 'POST', '/api/auth/register', { body: { name, email, password: PASSWORD } });
  const carol = await signUp(carolEmail, 'Carol');
  assert.equal(carol.status, 201);
  const jose = await signUp(joseEmail, 'José');
  assert.equal(jose.status, 201);
  assert.equal(jose.body.user.email, joseEmail);

  // The same address written another way: one account.
  const same: [string, string, string][] = [
    ['upper case', carolEmail.toUpperCase(), carol.body.user.id],
    ['fullwidth letters', `${fullwidth(`carol.${tag}`)}@example.test`, carol.body.user.id],
    ['fullwidth letters, digits and dots', `${fullwidth(`carol.${tag}`)}@${fullwidth('example.test')}`, carol.body.user.id],
    ['NFD of an NFC address', joseEmail.normalize('NFD'), jose.body.user.id],
  ];
  // Refused outright, with the reason on the email field.
  const refused: [string, string, RegExp][] = [
    ['trailing dot in the domain', `${carolEmail}.`, /must not end with a dot/],
    ['Cyrillic а in the local part', `c\u0430rol.${tag}@example.test`, /mixes Latin and Cyrillic letters before the @/],
    ['Cyrillic а in the domain', `carol.${tag}@ex\u0430mple.test`, /mixes Latin and Cyrillic letters in the domain/],
    ['zero-width space', `car\u200Bol.${tag}@example.test`, /invisible formatting character \(U\+200B\)/],
    ['soft hyphen', `car\u00ADol.${tag}@example.test`, /invisible formatting character \(U\+00AD\)/],
  ];

  for (const [what, email] of same) {
    const res = await signUp(email);
    expectProblem(res, 409, 'email_taken');
    assert.equal(res.body.errors[0].path, 'email', what);
  }
  for (const [what, email, message] of refused) {
    const res = await signUp(email);
    expectInvalid(res, 'email');
    assert.match(res.body.errors.find((e: { path: string }) => e.path === 'email').message, message, what);
  }

  // Sign-in: a same-address spelling signs carol in; a refused one names no account (401, as any unknown email).
  for (const [what, email, id] of same) {
    const res = await call(s.url, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } });
    assert.equal(res.status, 200, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.user.id, id, what);
  }
  for (const [what, email] of refused) {
    const res = await call(s.url, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } });
    expectProblem(res, 401, 'bad_credentials');
    assert.ok(what);
  }

  // Add-member: a same-address spelling adds the real account (then 409, already a member); a refused one is 400.
  const owner = await register(s.url, 'Owen');
  const group = await call(s.url, 'POST', '/api/groups', { token: owner.token, body: { name: 'Trip' } });
  const groupId = group.body.group.id as string;
  const add = (email: string) => call(s.url, 'POST', `/api/groups/${groupId}/members`, { token: owner.token, body: { email } });
  for (const [what, email] of refused) {
    const res = await add(email);
    expectInvalid(res, 'email');
    assert.ok(what);
  }
  const added = await add(`${fullwidth(`carol.${tag}`)}@example.test`);
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const addedJose = await add(joseEmail.normalize('NFD'));
  assert.equal(addedJose.status, 201, JSON.stringify(addedJose.body));
  assert.deepEqual(
    addedJose.body.group.members.map((m: { id: string }) => m.id).sort(),
    [owner.id, carol.body.user.id, jose.body.user.id].sort(),
    'the real accounts, nobody else',
  );
  for (const [, email] of same) expectProblem(await add(email), 409, 'already_member');
});

test('a new address is stored in its one form: NFKC, as typed otherwise', { timeout: 60_000 }, async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const typed = `${fullwidth(`Dana.${tag}`)}@Example.test`;
  const res = await call(s.url, 'POST', '/api/auth/register', { body: { name: 'Dana', email: typed, password: PASSWORD } });
  assert.equal(res.status, 201);
  assert.equal(res.body.user.email, `Dana.${tag}@Example.test`);
  const me = await call(s.url, 'GET', '/api/me', { token: res.body.token });
  assert.equal(me.body.user.email, `Dana.${tag}@Example.test`);
});

test('an account stored before the rule keeps signing in with its own spelling, and can be added by it', { timeout: 60_000 }, async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  // Written straight to the store, as an older version did: not canonical, and one not even allowed now.
  const legacy = async (name: string, email: string) => {
    const row = { id: newId(), name, email, passwordHash: await hashPassword(PASSWORD), createdAt: new Date().toISOString() };
    assert.equal(await s.store.transaction((tx) => tx.insertUser(row)), true);
    return row.id;
  };
  const nfd = `jose\u0301.${tag}@example.test`;
  const zwsp = `car\u200Bol.${tag}@example.test`;
  const nfdId = await legacy('José', nfd);
  const zwspId = await legacy('Carol', zwsp);
  for (const [email, id] of [
    [nfd, nfdId],
    [zwsp, zwspId],
  ] as const) {
    const res = await call(s.url, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.user.id, id);
  }
  // Add-member finds it by its own spelling too; a spelling refused now is refused here as well.
  const owner = await register(s.url, 'Owen');
  const group = await call(s.url, 'POST', '/api/groups', { token: owner.token, body: { name: 'Trip' } });
  const added = await call(s.url, 'POST', `/api/groups/${group.body.group.id}/members`, { token: owner.token, body: { email: nfd } });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.ok(added.body.group.members.some((m: { id: string }) => m.id === nfdId));
  expectInvalid(
    await call(s.url, 'POST', `/api/groups/${group.body.group.id}/members`, { token: owner.token, body: { email: zwsp } }),
    'email',
  );
});

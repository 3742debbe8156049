// Properties of the money flows (issue 15), over real HTTP on the real store (PostgreSQL too):
// - whatever sequence of bills, edits, direct payments, recorded payments, confirmations and disputes,
//   the balances equal what the unpaid parts and the confirmed payments say (a pure model predicts every
//   answer and every part's state, and the nets are checked against it two ways);
// - an edit and a payment of the same bill at the same time never leave a paid part changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { call, groupWith, register, type TestUser } from '../support/api.ts';
import { useServer } from './shared.ts';

const api = useServer();

type Op =
  | { kind: 'bill'; owner: number; parts: number[] }
  | { kind: 'edit'; bill: number; parts: number[] }
  | { kind: 'pay'; bill: number; user: number }
  | { kind: 'record'; from: number; to: number; amount: number }
  | { kind: 'confirm'; payment: number }
  | { kind: 'dispute'; payment: number };

const N = 3;
const partsArb = fc.array(fc.integer({ min: 0, max: 60 }), { minLength: N, maxLength: N });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('bill' as const), owner: fc.nat(N - 1), parts: partsArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('edit' as const), bill: fc.nat(20), parts: partsArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pay' as const), bill: fc.nat(20), user: fc.nat(N - 1) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      from: fc.nat(N - 1),
      to: fc.nat(N - 1),
      amount: fc.integer({ min: 1, max: 150 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('confirm' as const), payment: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dispute' as const), payment: fc.nat(20) }) },
);

// The model: parts per bill (user index → amount, paid how), payments with their state.
type ModelPart = { amount: number; paid: 'no' | 'direct' | 'payment' | 'owner' };
type ModelBill = { id: string; owner: number; version: number; parts: Map<number, ModelPart>; order: number };
type ModelPayment = { id: string; from: number; to: number; amount: number; status: 'pending' | 'confirmed' | 'disputed'; credit: number };

/** Nets from unpaid parts and leftover credits (what the pair totals should hold). */
function netsFromPairs(bills: ModelBill[], payments: ModelPayment[]): number[] {
  const nets = Array(N).fill(0);
  for (const b of bills)
    for (const [u, p] of b.parts)
      if (p.paid === 'no') {
        nets[u] -= p.amount;
        nets[b.owner] += p.amount;
      }
  for (const p of payments)
    if (p.status === 'confirmed') {
      nets[p.from] += p.credit;
      nets[p.to] -= p.credit;
    }
  return nets;
}

/** The statement: parts not paid directly (unpaid, or closed by a payment) minus confirmed payments. */
function netsFromPartsAndPayments(bills: ModelBill[], payments: ModelPayment[]): number[] {
  const nets = Array(N).fill(0);
  for (const b of bills)
    for (const [u, p] of b.parts)
      if (p.paid === 'no' || p.paid === 'payment') {
        nets[u] -= p.amount;
        nets[b.owner] += p.amount;
      }
  for (const p of payments)
    if (p.status === 'confirmed') {
      nets[p.from] += p.amount;
      nets[p.to] -= p.amount;
    }
  return nets;
}

test('balances equal unpaid parts and confirmed payments, whatever the sequence of bills, edits, payments and confirmations', {
  timeout: 600_000,
}, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), async (ops) => {
      const users: TestUser[] = await Promise.all(['Ann', 'Bob', 'Cat'].map((n) => register(api.url, n)));
      const groupId = await groupWith(api.url, users[0], users.slice(1));
      const bills: ModelBill[] = [];
      const payments: ModelPayment[] = [];
      let order = 0;
      const exact = (parts: number[]) => Object.fromEntries(parts.map((a, i) => [users[i].id, a]).filter(([, a]) => (a as number) > 0));
      for (const op of ops) {
        if (op.kind === 'bill') {
          const total = op.parts.reduce((s, a) => s + a, 0);
          const res = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
            token: users[op.owner].token,
            body: { description: 'B', amount: Math.max(total, 1), split: { mode: 'exact', amounts: exact(op.parts) } },
          });
          const valid = total > 0 && op.parts.some((a, i) => i !== op.owner && a > 0);
          if (!valid) {
            assert.equal(res.status, 400, JSON.stringify(res.body));
            continue;
          }
          assert.equal(res.status, 201, JSON.stringify(res.body));
          const parts = new Map<number, ModelPart>();
          op.parts.forEach((a, i) => {
            if (a > 0) parts.set(i, { amount: a, paid: i === op.owner ? 'owner' : 'no' });
          });
          bills.push({ id: res.body.bill.id, owner: op.owner, version: 1, parts, order: order++ });
        } else if (op.kind === 'edit') {
          const b = bills[op.bill % Math.max(bills.length, 1)];
          if (!b) continue;
          const total = op.parts.reduce((s, a) => s + a, 0);
          const res = await call(api.url, 'PATCH', `/api/bills/${b.id}`, {
            token: users[b.owner].token,
            headers: { 'if-match': `"${b.version}"` },
            body: { amount: Math.max(total, 1), split: { mode: 'exact', amounts: exact(op.parts) } },
          });
          const valid = total > 0 && op.parts.some((a, i) => i !== b.owner && a > 0);
          if (!valid) {
            assert.equal(res.status, 400, JSON.stringify(res.body));
            continue;
          }
          const paidChanged = [...b.parts].some(([u, p]) => u !== b.owner && p.paid !== 'no' && op.parts[u] !== p.amount);
          if (paidChanged) {
            assert.equal(res.status, 409, JSON.stringify(res.body));
            assert.equal(res.body.code, 'share_paid');
            continue;
          }
          assert.equal(res.status, 200, JSON.stringify(res.body));
          const unchanged = op.parts.every((a, i) => (b.parts.get(i)?.amount ?? 0) === a);
          const parts = new Map<number, ModelPart>();
          op.parts.forEach((a, i) => {
            if (a > 0) parts.set(i, { amount: a, paid: i === b.owner ? 'owner' : (b.parts.get(i)?.paid ?? 'no') });
          });
          b.parts = parts;
          if (!unchanged) b.version++;
          assert.equal(res.body.bill.version, b.version);
        } else if (op.kind === 'pay') {
          const b = bills[op.bill % Math.max(bills.length, 1)];
          if (!b) continue;
          const res = await call(api.url, 'POST', `/api/bills/${b.id}/pay`, { token: users[op.user].token });
          const part = b.parts.get(op.user);
          if (!part || op.user === b.owner) assert.equal(res.status, 403, JSON.stringify(res.body));
          else if (part.paid !== 'no') assert.equal(res.status, 409, JSON.stringify(res.body));
          else {
            assert.equal(res.status, 200, JSON.stringify(res.body));
            part.paid = 'direct';
          }
        } else if (op.kind === 'record') {
          const res = await call(api.url, 'POST', `/api/groups/${groupId}/payments`, {
            token: users[op.from].token,
            body: { to: users[op.to].id, amount: op.amount },
          });
          if (op.from === op.to) {
            assert.equal(res.status, 400);
            continue;
          }
          assert.equal(res.status, 201, JSON.stringify(res.body));
          payments.push({ id: res.body.payment.id, from: op.from, to: op.to, amount: op.amount, status: 'pending', credit: 0 });
        } else {
          const p = payments[op.payment % Math.max(payments.length, 1)];
          if (!p) continue;
          const res = await call(api.url, 'POST', `/api/payments/${p.id}/${op.kind}`, { token: users[p.to].token });
          if (p.status !== 'pending') {
            assert.equal(res.status, 409, JSON.stringify(res.body));
            continue;
          }
          assert.equal(res.status, 200, JSON.stringify(res.body));
          if (op.kind === 'dispute') {
            p.status = 'disputed';
            continue;
          }
          p.status = 'confirmed';
          // Oldest bill first (all bills here share a date, so creation order), whole parts while they fit.
          let left = p.amount;
          for (const b of [...bills].sort((x, y) => x.order - y.order)) {
            if (b.owner !== p.to) continue;
            const part = b.parts.get(p.from);
            if (part?.paid !== 'no') continue;
            if (part.amount > left) break;
            part.paid = 'payment';
            left -= part.amount;
          }
          p.credit = left;
        }
      }
      // The two statements of the rule agree in the model, and the server's balances equal them.
      const expected = netsFromPairs(bills, payments);
      assert.deepEqual(netsFromPartsAndPayments(bills, payments), expected);
      const res = await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: users[0].token });
      assert.equal(res.status, 200);
      const nets = Object.fromEntries(res.body.balances.map((b: { userId: string; net: number }) => [b.userId, b.net]));
      assert.deepEqual(
        users.map((u) => nets[u.id]),
        expected,
        `ops ${JSON.stringify(ops)}`,
      );
      // Settlements move exactly the nets.
      const moved = Array(N).fill(0);
      for (const s of res.body.settlements) {
        moved[users.findIndex((u) => u.id === s.from)] += s.amount;
        moved[users.findIndex((u) => u.id === s.to)] -= s.amount;
      }
      assert.deepEqual(
        moved.map((m, i) => m + expected[i]),
        Array(N).fill(0),
      );
      // Every part's state on the server is the model's.
      for (const b of bills) {
        const got = (await call(api.url, 'GET', `/api/bills/${b.id}`, { token: users[0].token })).body.bill;
        const parts = Object.fromEntries(
          got.shares.map((s: { userId: string; amount: number; paidAt: string | null }) => [s.userId, [s.amount, s.paidAt !== null]]),
        );
        assert.deepEqual(parts, Object.fromEntries([...b.parts].map(([u, p]) => [users[u].id, [p.amount, p.paid !== 'no']])));
      }
    }),
    { numRuns: process.env.TEST_STORE === 'postgres' ? 10 : 15 },
  );
});

test('an edit and a payment of the same bill at the same time never leave a paid part changed', { timeout: 300_000 }, async () => {
  const [ann, bob] = await Promise.all(['Ann', 'Bob'].map((n) => register(api.url, n)));
  const groupId = await groupWith(api.url, ann, [bob]);
  const outcomes = { editFirst: 0, payFirst: 0 };
  for (let i = 0; i < 25; i++) {
    const created = await call(api.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: ann.token,
      body: { description: `Race ${i}`, amount: 200, split: { mode: 'exact', amounts: { [ann.id]: 100, [bob.id]: 100 } } },
    });
    const billId = created.body.bill.id;
    const [edit, pay] = await Promise.all([
      call(api.url, 'PATCH', `/api/bills/${billId}`, {
        token: ann.token,
        headers: { 'if-match': '"1"' },
        body: { amount: 250, split: { mode: 'exact', amounts: { [ann.id]: 100, [bob.id]: 150 } } },
      }),
      call(api.url, 'POST', `/api/bills/${billId}/pay`, { token: bob.token }),
    ]);
    assert.equal(pay.status, 200, JSON.stringify(pay.body));
    const bill = (await call(api.url, 'GET', `/api/bills/${billId}`, { token: ann.token })).body.bill;
    const part = bill.shares.find((s: { userId: string }) => s.userId === bob.id);
    assert.notEqual(part.paidAt, null);
    // What Bob paid is what his part is now: either the edit came first (he paid 150) or it was refused.
    const paidAmount = pay.body.bill.shares.find((s: { userId: string }) => s.userId === bob.id).amount;
    if (edit.status === 200) {
      outcomes.editFirst++;
      assert.equal(part.amount, 150);
      assert.equal(paidAmount, 150);
    } else {
      assert.equal(edit.status, 409, JSON.stringify(edit.body));
      assert.equal(edit.body.code, 'share_paid');
      outcomes.payFirst++;
      assert.equal(part.amount, 100);
      assert.equal(paidAmount, 100);
      assert.equal(bill.version, 1);
    }
  }
  // Every bill is paid in full by Bob, so nobody owes anybody: the debts moved by exactly what happened.
  const balances = (await call(api.url, 'GET', `/api/groups/${groupId}/balances`, { token: ann.token })).body;
  assert.deepEqual(
    balances.balances.map((b: { net: number }) => b.net),
    [0, 0],
    JSON.stringify(outcomes),
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppError } from '../../src/domain/errors.ts';
import { netBalances, settle, type Balance, type Debt, type Settlement } from '../../src/domain/balances.ts';

const owes = (from: string, to: string, amount: number): Debt => ({ from, to, amount });
const bal = (userId: string, net: number): Balance => ({ userId, net });

function rejects(fn: () => unknown, path: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AppError, 'expected an AppError');
    assert.equal(e.code, 'validation');
    assert.equal(e.errors?.[0]?.path, path);
    return true;
  });
}

/** Nets after paying the settlements, as a map so missing users read as 0. */
function applySettlements(balances: Balance[], plan: Settlement[]): Map<string, number> {
  const nets = new Map(balances.map((b) => [b.userId, b.net]));
  for (const s of plan) {
    nets.set(s.from, (nets.get(s.from) ?? 0) + s.amount);
    nets.set(s.to, (nets.get(s.to) ?? 0) - s.amount);
  }
  return nets;
}

test('netBalances: one entry per member in order, zeros included', () => {
  assert.deepEqual(netBalances(['a', 'b', 'c'], [owes('b', 'a', 30), owes('c', 'a', 20), owes('a', 'b', 5)]), [
    bal('a', 45),
    bal('b', -25),
    bal('c', -20),
  ]);
  assert.deepEqual(netBalances(['a', 'b', 'z'], [owes('b', 'a', 7)]), [bal('a', 7), bal('b', -7), bal('z', 0)]);
  assert.deepEqual(netBalances(['a', 'a'], []), [bal('a', 0)]);
});

test('netBalances: former members count, after members, in first-seen order', () => {
  assert.deepEqual(netBalances(['a'], [owes('x', 'a', 10), owes('a', 'y', 4), owes('x', 'y', 1)]), [
    bal('a', 6),
    bal('x', -11),
    bal('y', 5),
  ]);
});

test('netBalances rejects non-positive or fractional debts', () => {
  rejects(() => netBalances(['a', 'b'], [owes('a', 'b', 1), owes('a', 'b', 0)]), 'debts.1.amount');
  rejects(() => netBalances(['a', 'b'], [owes('a', 'b', -3)]), 'debts.0.amount');
  rejects(() => netBalances(['a', 'b'], [owes('a', 'b', 1.5)]), 'debts.0.amount');
});

test('settle: largest debtor pays largest creditor', () => {
  assert.deepEqual(settle([bal('a', 45), bal('b', -25), bal('c', -20)]), [
    { from: 'b', to: 'a', amount: 25 },
    { from: 'c', to: 'a', amount: 20 },
  ]);
  assert.deepEqual(settle([bal('a', 10), bal('b', 30), bal('c', -40)]), [
    { from: 'c', to: 'b', amount: 30 },
    { from: 'c', to: 'a', amount: 10 },
  ]);
});

test('settle: ties go to the smaller userId whatever the input order', () => {
  const expected = [
    { from: 'c', to: 'a', amount: 10 },
    { from: 'd', to: 'b', amount: 10 },
  ];
  assert.deepEqual(settle([bal('a', 10), bal('b', 10), bal('c', -10), bal('d', -10)]), expected);
  assert.deepEqual(settle([bal('d', -10), bal('c', -10), bal('b', 10), bal('a', 10)]), expected);
});

test('settle: nothing to do when everyone is even', () => {
  assert.deepEqual(settle([]), []);
  assert.deepEqual(settle([bal('a', 0), bal('b', 0)]), []);
});

test('settle rejects nets that do not sum to zero, fractions and duplicates', () => {
  rejects(() => settle([bal('a', 10), bal('b', -9)]), 'balances');
  rejects(() => settle([bal('a', 0.5), bal('b', -0.5)]), 'balances.0.net');
  rejects(() => settle([bal('a', 5), bal('a', -5)]), 'balances.1.userId');
});

// ---- properties ----

const members = fc.uniqueArray(fc.constantFrom(...'abcdefghijklmnop'.split('')), { minLength: 1, maxLength: 10 });
const debtsAmong = (ids: string[], amount: fc.Arbitrary<number>) =>
  fc.array(fc.record({ from: fc.constantFrom(...ids), to: fc.constantFrom(...ids), amount }), { maxLength: 30 });
const anyAmount = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 1_000_000_000_000 }));
// Debts may also name former members (x, y, z) who are not in the member list.
const ledger = members.chain((ms) => fc.tuple(fc.constant(ms), debtsAmong([...ms, 'x', 'y', 'z'], anyAmount)));
// Tiny amounts make equal nets common, which is where tie-breaking matters.
const tieLedger = members.chain((ms) => fc.tuple(fc.constant(ms), debtsAmong(ms, fc.integer({ min: 1, max: 3 }))));

test('property: nets sum to zero and match a direct per-user sum', () => {
  fc.assert(
    fc.property(ledger, ([ms, debts]) => {
      const balances = netBalances(ms, debts);
      assert.equal(
        balances.reduce((s, b) => s + b.net, 0),
        0,
      );
      assert.deepEqual(
        balances.slice(0, ms.length).map((b) => b.userId),
        ms,
      );
      const named = new Set(debts.flatMap((d) => [d.from, d.to]));
      assert.deepEqual(new Set(balances.map((b) => b.userId)), new Set([...ms, ...named]));
      for (const b of balances) {
        const direct = debts.reduce((s, d) => s + (d.to === b.userId ? d.amount : 0) - (d.from === b.userId ? d.amount : 0), 0);
        assert.equal(b.net, direct, b.userId);
      }
    }),
  );
});

test('property: settlements zero every net, in at most n − 1 positive transfers between debtors and creditors', () => {
  fc.assert(
    fc.property(ledger, ([ms, debts]) => {
      const balances = netBalances(ms, debts);
      const plan = settle(balances);
      for (const net of applySettlements(balances, plan).values()) assert.equal(net, 0);
      const nonzero = balances.filter((b) => b.net !== 0).length;
      assert.ok(plan.length <= Math.max(0, nonzero - 1), `${plan.length} transfers for ${nonzero} nonzero nets`);
      const net = new Map(balances.map((b) => [b.userId, b.net]));
      for (const s of plan) {
        assert.ok(Number.isSafeInteger(s.amount) && s.amount > 0);
        assert.ok((net.get(s.from) ?? 0) < 0 && (net.get(s.to) ?? 0) > 0, `${s.from} → ${s.to}`);
      }
    }),
  );
});

test('property: the plan does not depend on the order of the balances', () => {
  fc.assert(
    fc.property(
      fc.oneof(ledger, tieLedger).chain(([ms, debts]) => {
        const balances = netBalances(ms, debts);
        return fc.tuple(fc.constant(balances), fc.shuffledSubarray(balances, { minLength: balances.length }));
      }),
      ([balances, shuffled]) => {
        assert.deepEqual(settle(shuffled), settle(balances));
      },
    ),
  );
});

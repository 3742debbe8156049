import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppError } from '../../src/domain/errors.ts';
import { MAX_AMOUNT } from '../../src/domain/money.ts';
import { computeSplit, splitUserIds, type Part, type SplitInput } from '../../src/domain/split.ts';

const equal = (...among: string[]): SplitInput => ({ mode: 'equal', among });
const exact = (amounts: Record<string, number>): SplitInput => ({ mode: 'exact', amounts });
const percent = (percents: Record<string, number>): SplitInput => ({ mode: 'percent', percents });
const shares = (s: Record<string, number>): SplitInput => ({ mode: 'shares', shares: s });
const amounts = (parts: Part[]) => parts.map((p) => p.amount);
const ids = (parts: Part[]) => parts.map((p) => p.userId);

function rejects(fn: () => unknown, path: string, message?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AppError, 'expected an AppError');
    assert.equal(e.code, 'validation');
    assert.equal(e.errors?.[0]?.path, path);
    if (message) assert.match(e.errors?.[0]?.message ?? '', message);
    return true;
  });
}

test('tie rule: earlier members of `among` get the leftover units', () => {
  assert.deepEqual(computeSplit(100, equal('a', 'b', 'c')), [
    { userId: 'a', amount: 34 },
    { userId: 'b', amount: 33 },
    { userId: 'c', amount: 33 },
  ]);
  assert.deepEqual(amounts(computeSplit(101, equal('a', 'b', 'c'))), [34, 34, 33]);
  assert.deepEqual(amounts(computeSplit(100, equal('c', 'b', 'a'))), [34, 33, 33]);
  assert.deepEqual(ids(computeSplit(100, equal('c', 'b', 'a'))), ['c', 'b', 'a']);
});

test('zero parts are dropped: 1 among 3 is a single part for the first member', () => {
  assert.deepEqual(computeSplit(1, equal('a', 'b', 'c')), [{ userId: 'a', amount: 1 }]);
  assert.deepEqual(computeSplit(2, equal('a', 'b', 'c')), [
    { userId: 'a', amount: 1 },
    { userId: 'b', amount: 1 },
  ]);
  assert.deepEqual(computeSplit(10, exact({ a: 0, b: 10 })), [{ userId: 'b', amount: 10 }]);
  assert.deepEqual(computeSplit(10, percent({ a: 0, b: 100 })), [{ userId: 'b', amount: 10 }]);
});

test('largest remainder beats input order', () => {
  // Exact shares 1000 × {1,2,4}/7 = 142.857, 285.714, 571.428: the two leftover units go to a and b, the largest remainders.
  assert.deepEqual(amounts(computeSplit(1000, shares({ a: 1, b: 2, c: 4 }))), [143, 286, 571]);
  // 10 × {33.33, 33.33, 33.34}% = 3.333, 3.333, 3.334: c's remainder wins the one leftover unit.
  assert.deepEqual(amounts(computeSplit(10, percent({ a: 33.33, b: 33.33, c: 33.34 }))), [3, 3, 4]);
});

test('exact, percent and shares keep object key order', () => {
  assert.deepEqual(computeSplit(30, exact({ z: 10, a: 20 })), [
    { userId: 'z', amount: 10 },
    { userId: 'a', amount: 20 },
  ]);
  assert.deepEqual(ids(computeSplit(100, percent({ z: 25, a: 75 }))), ['z', 'a']);
  assert.deepEqual(computeSplit(100, shares({ z: 3, a: 1 })), [
    { userId: 'z', amount: 75 },
    { userId: 'a', amount: 25 },
  ]);
});

test('big amounts with big weights stay exact (products past 2^53)', () => {
  assert.deepEqual(
    amounts(computeSplit(MAX_AMOUNT, shares({ a: 1_000_000, b: 999_999, c: 1 }))),
    [500_000_000_000, 499_999_500_000, 500_000],
  );
  assert.deepEqual(amounts(computeSplit(MAX_AMOUNT - 1, percent({ a: 0.01, b: 99.99 }))), [100_000_000, 999_899_999_999]);
});

test('rejects a bad amount', () => {
  for (const bad of [0, -5, 1.5, MAX_AMOUNT + 1, NaN]) rejects(() => computeSplit(bad, equal('a')), 'amount');
});

test('rejects bad equal splits', () => {
  rejects(() => computeSplit(10, equal()), 'split.among');
  rejects(() => computeSplit(10, equal('a', 'b', 'a')), 'split.among', /a more than once/);
  rejects(() => computeSplit(10, equal('a', '')), 'split.among');
});

test('rejects bad exact splits', () => {
  rejects(() => computeSplit(10, exact({})), 'split.amounts');
  rejects(() => computeSplit(10, exact({ a: 4, b: 5 })), 'split.amounts', /^parts add up to 9, not 10$/);
  rejects(() => computeSplit(10, exact({ a: 11, b: -1 })), 'split.amounts.b');
  rejects(() => computeSplit(10, exact({ a: 9.5, b: 0.5 })), 'split.amounts.a');
  rejects(() => computeSplit(10, exact({ a: '10' as unknown as number })), 'split.amounts.a');
});

test('rejects bad percent splits', () => {
  rejects(() => computeSplit(10, percent({})), 'split.percents');
  rejects(() => computeSplit(10, percent({ a: 50, b: 49.99 })), 'split.percents', /99\.99, not 100/);
  rejects(() => computeSplit(10, percent({ a: 50, b: 50.01 })), 'split.percents');
  rejects(() => computeSplit(10, percent({ a: 33.333, b: 66.667 })), 'split.percents.a');
  rejects(() => computeSplit(10, percent({ a: 110, b: -10 })), 'split.percents.a');
  rejects(() => computeSplit(10, percent({ a: 100, b: -1 })), 'split.percents.b');
  rejects(() => computeSplit(10, percent({ a: NaN })), 'split.percents.a');
});

test('rejects bad share splits', () => {
  rejects(() => computeSplit(10, shares({})), 'split.shares');
  rejects(() => computeSplit(10, shares({ a: 1, b: 0 })), 'split.shares.b');
  rejects(() => computeSplit(10, shares({ a: 1.5 })), 'split.shares.a');
  rejects(() => computeSplit(10, shares({ a: 1_000_001 })), 'split.shares.a');
});

test('rejects an unknown mode', () => {
  rejects(() => computeSplit(10, { mode: 'bogus' } as unknown as SplitInput), 'split.mode');
});

test('splitUserIds lists every named user in input order, zero parts included', () => {
  assert.deepEqual(splitUserIds(equal('b', 'a')), ['b', 'a']);
  assert.deepEqual(splitUserIds(exact({ b: 0, a: 1 })), ['b', 'a']);
  assert.deepEqual(splitUserIds(percent({ b: 0, a: 100 })), ['b', 'a']);
  assert.deepEqual(splitUserIds(shares({ b: 1, a: 1 })), ['b', 'a']);
});

// ---- properties ----

const userIds = fc.uniqueArray(
  fc.string({ minLength: 1, maxLength: 6 }).map((s) => `u_${s}`),
  { minLength: 1, maxLength: 12 },
);
const amount = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: MAX_AMOUNT }));

/** Basis points for n users summing to exactly 10,000. */
const basisPoints = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: n - 1, maxLength: n - 1 }).map((cuts) => {
    const edges = [0, ...cuts.sort((x, y) => x - y), 10_000];
    return edges.slice(1).map((e, i) => e - edges[i]);
  });

/** A split plus the weight each user should get, for checking parts against exact shares. */
const weightedSplit = userIds.chain((us) =>
  fc
    .oneof(
      fc.constant({ split: equal(...us), weights: us.map(() => 1) }),
      basisPoints(us.length).map((bp) => ({
        split: percent(Object.fromEntries(us.map((u, i) => [u, bp[i] / 100]))),
        weights: bp,
      })),
      fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: us.length, maxLength: us.length }).map((s) => ({
        split: shares(Object.fromEntries(us.map((u, i) => [u, s[i]]))),
        weights: s,
      })),
    )
    .map((x) => ({ ...x, users: us })),
);

test('property: parts add up to amount, none ≤ 0, input order kept, each within one unit of its exact share', () => {
  fc.assert(
    fc.property(amount, weightedSplit, (a, { split, weights, users }) => {
      const parts = computeSplit(a, split);
      assert.equal(
        parts.reduce((s, p) => s + p.amount, 0),
        a,
      );
      assert.ok(parts.length >= 1);
      for (const p of parts) assert.ok(Number.isSafeInteger(p.amount) && p.amount > 0);
      const order = parts.map((p) => users.indexOf(p.userId));
      assert.ok(
        order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])),
        'input order',
      );
      const W = BigInt(weights.reduce((s, w) => s + w, 0));
      users.forEach((u, i) => {
        const part = BigInt(parts.find((p) => p.userId === u)?.amount ?? 0);
        const diff = part * W - BigInt(a) * BigInt(weights[i]);
        assert.ok(diff < W && -diff < W, `${u}: ${part} vs ${a}×${weights[i]}/${W}`);
      });
    }),
  );
});

test('property: equal split gives the first (amount mod n) members one more unit', () => {
  fc.assert(
    fc.property(amount, userIds, (a, us) => {
      const byUser = new Map(computeSplit(a, equal(...us)).map((p) => [p.userId, p.amount]));
      const base = Math.floor(a / us.length);
      const extra = a % us.length;
      us.forEach((u, i) => assert.equal(byUser.get(u) ?? 0, base + (i < extra ? 1 : 0)));
    }),
  );
});

test('property: exact split returns the given non-zero amounts unchanged', () => {
  fc.assert(
    fc.property(
      userIds.chain((us) => fc.tuple(fc.constant(us), fc.array(fc.nat(1_000_000), { minLength: us.length, maxLength: us.length }))),
      ([us, xs]) => {
        const total = xs.reduce((s, x) => s + x, 0);
        fc.pre(total > 0);
        const input = Object.fromEntries(us.map((u, i) => [u, xs[i]]));
        const expected = us.map((u, i) => ({ userId: u, amount: xs[i] })).filter((p) => p.amount > 0);
        assert.deepEqual(computeSplit(total, exact(input)), expected);
        rejects(() => computeSplit(total + 1, exact(input)), 'split.amounts');
      },
    ),
  );
});

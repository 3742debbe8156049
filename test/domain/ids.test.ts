import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ID_PATTERN, newId } from '../../src/domain/ids.ts';

test('ids match their pattern and sort in creation order, also within one millisecond', () => {
  const ids = Array.from({ length: 5000 }, () => newId(1_795_000_000_000));
  ids.push(newId(1_795_000_000_001), newId());
  for (const id of ids) assert.match(id, ID_PATTERN);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]}`);
  assert.equal(new Set(ids).size, ids.length);
});

test('a clock that steps back does not break the order', () => {
  const a = newId(1_900_000_000_000);
  const b = newId(1_800_000_000_000);
  assert.ok(a < b);
});

// Which statements the PostgreSQL store prepares by name (src/store/postgres/postgres-store.ts `statement`):
// every fixed text with parameters, once per text, and never a text whose length follows its data, which
// would leave one plan per length on every pooled connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statement } from '../../src/store/postgres/postgres-store.ts';

test('a fixed text with parameters is named, the same name each time, with $n placeholders', () => {
  const a = statement('SELECT * FROM bills WHERE id = ? AND group_id = ?', ['b', 'g']);
  const b = statement('SELECT * FROM bills WHERE id = ? AND group_id = ?', ['c', 'h']);
  assert.equal(typeof a, 'object');
  assert.deepEqual(a, b);
  assert.notEqual(a, b, 'a new config object per call: pg writes the values into it');
  assert.equal((a as { text: string }).text, 'SELECT * FROM bills WHERE id = $1 AND group_id = $2');
  const other = statement('SELECT * FROM bills WHERE id = ?', ['b']);
  assert.notEqual((other as { name: string }).name, (a as { name: string }).name);
});

test('array parameters keep a text fixed whatever the rows: named', () => {
  const s = statement('SELECT * FROM unnest(?::text[], ?::bigint[]) AS t(a, b)', [
    ['x', 'y', 'z'],
    [1, 2, 3],
  ]);
  assert.equal(typeof s, 'object');
});

test('IN lists and multi-row VALUES of two or more are sent unnamed; a one-item list is a fixed text', () => {
  assert.equal(typeof statement('SELECT id FROM users WHERE id IN (?,?,?)', ['a', 'b', 'c']), 'string');
  assert.equal(typeof statement('INSERT INTO t (a, b) VALUES (?, ?), (?, ?)', [1, 2, 3, 4]), 'string');
  assert.equal(typeof statement('SELECT id FROM users WHERE id IN (?)', ['a']), 'object');
});

test('a text without parameters goes as it is (the simple protocol: several statements allowed)', () => {
  assert.equal(statement('SELECT 1; SELECT 2', []), 'SELECT 1; SELECT 2');
});

// Storage amplification (issue 19, item 4): each receiver's notification row used to embed the whole bill
// with every share, so one equal split among 500 stored 500 × 31 KB (15.7 MB of notification data). A row
// now carries the receiver's part and a bill summary: its size does not depend on the group's size.
// The bill goes over HTTP; the 500 members are seeded through the store (500 registrations would be 500
// scrypt hashes). Runs on SQLite and, with TEST_STORE=postgres, PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';
import { call, register } from '../support/api.ts';
import { newId } from '../../src/domain/ids.ts';

/** What one notification row may take, whatever the group's size (typical names and description). */
const MAX_ROW_BYTES = 600;

test('a bill notification row stays under 600 bytes, the same at 10 and at 500 receivers', { timeout: 120_000 }, async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const owner = await register(s.url, 'Owner');
  const largest: Record<number, number> = {};
  for (const receivers of [10, 500]) {
    const group = await call(s.url, 'POST', '/api/groups', { token: owner.token, body: { name: `Everyone ${receivers}` } });
    assert.equal(group.status, 201);
    const groupId: string = group.body.group.id;
    const ids = Array.from({ length: receivers }, () => newId());
    await s.store.transaction(async (tx) => {
      for (const [i, id] of ids.entries()) {
        await tx.insertUser({
          id,
          name: `Member ${i}`,
          email: `${id}@size.invalid`,
          passwordHash: 'no-login',
          createdAt: new Date().toISOString(),
        });
        await tx.addMember(groupId, id, new Date().toISOString());
      }
    });
    const bill = await call(s.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: owner.token,
      body: { description: 'Team dinner at the harbour', amount: 1000 * receivers + 7, split: { mode: 'equal', among: ids } },
    });
    assert.equal(bill.status, 201, JSON.stringify(bill.body));
    const sizes: number[] = [];
    for (const id of ids) {
      const [row] = await s.store.read.listNotifications(id, 1, undefined);
      assert.equal(row.type, 'bill.created');
      assert.equal(JSON.parse(row.data).bill.id, bill.body.bill.id);
      sizes.push(Buffer.byteLength(row.data));
    }
    largest[receivers] = Math.max(...sizes);
    assert.ok(largest[receivers] < MAX_ROW_BYTES, `${receivers} receivers: a row of ${largest[receivers]} bytes`);
  }
  // Only the digits of the counts and amounts differ between the two.
  assert.ok(Math.abs(largest[500] - largest[10]) <= 8, `10 receivers: ${largest[10]} bytes a row, 500: ${largest[500]}`);
});

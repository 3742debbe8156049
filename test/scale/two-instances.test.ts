// Scale-out end to end: two real server processes on one real PostgreSQL, fanned out by each bus in turn:
// LISTEN/NOTIFY (no BUS_URL) and NATS (BUS_URL, the machine's server on 127.0.0.1:4222).
// A write on one instance reaches a stream on the other; a client whose instance dies resumes on the
// survivor by id and gets what it missed exactly once; concurrent writers through both instances still
// give one receiver consecutive ids, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startChildServer, type ChildServer } from '../support/child-server.ts';
import { createTestDatabase, postgresRequired, postgresUnavailable, type TestDatabase } from '../support/postgres.ts';
import { billFor, call, groupWith, register } from '../support/api.ts';
import { openSse, openWs, type Received, type StreamClient } from '../support/streams.ts';
import { natsUnavailable } from '../support/nats.ts';

const ids = (rs: Received[]) => rs.map((r) => Number(r.id));
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const lastId = (s: StreamClient) => Number(s.notifications().at(-1)!.id);

const pgDown = await postgresUnavailable();
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const natsDown = await natsUnavailable(NATS_URL);

const buses: { name: string; env: Record<string, string>; down: string | undefined }[] = [
  { name: 'LISTEN/NOTIFY', env: {}, down: pgDown },
  { name: 'NATS', env: { BUS_URL: NATS_URL }, down: pgDown ?? natsDown },
];

for (const bus of buses)
  test(`two instances on one PostgreSQL over ${bus.name}: cross-instance delivery, failover resume, concurrent writers`, {
    skip: bus.down && !postgresRequired ? `skipped: ${bus.down}` : false,
  }, async (t) => {
    if (bus.down) assert.fail(`${bus.down} (required under CI=true)`);
    const db: TestDatabase = await createTestDatabase();
    const instances: ChildServer[] = [];
    const streams: StreamClient[] = [];
    t.after(async () => {
      // At LOG_LEVEL=warn a healthy instance says nothing; anything it did say explains a failure.
      for (const [i, { output }] of instances.entries()) if (output()) t.diagnostic(`instance ${'AB'[i]} logged:\n${output()}`);
      for (const s of streams) s.close();
      for (const instance of instances) await instance.close();
      await db.drop();
    });
    // Started together, so their migrations race for the advisory lock.
    const started = await Promise.allSettled([
      startChildServer({ DATABASE_URL: db.url, ...bus.env }),
      startChildServer({ DATABASE_URL: db.url, ...bus.env }),
    ]);
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [A, B] = instances;
    const stream = <T extends StreamClient>(s: T) => {
      streams.push(s);
      return s;
    };

    const alice = await register(A.url, 'Alice');
    const bob = await register(B.url, 'Bob');
    const groupId = await groupWith(A.url, alice, [bob]);
    // Resume positions rather than "from now": a live-only stream starts at whatever has committed by the time
    // its replay query runs, which would race with the writes below.
    const bobOnB = stream(openSse(B.url, bob.token, { lastEventId: '0' }));
    const aliceOnB = stream(openWs(B.url, alice.token, { lastEventId: '0' }));
    await Promise.all([bobOnB.opened, aliceOnB.opened]);

    let billId = '';
    await t.test('a bill created on A reaches Bob on B, with the group refresh', async () => {
      const bill = await billFor(A.url, alice, groupId, [bob]);
      billId = bill.id;
      const [added, created] = await bobOnB.waitFor(2);
      assert.deepEqual([added.event, added.id], ['group.member_added', '1']);
      assert.deepEqual([created.event, created.id], ['bill.created', '2']);
      assert.equal(created.data.data.bill.id, bill.id);
      await bobOnB.waitFor(1, (r) => r.event === 'group.updated' && r.data.groupId === groupId);
    });

    await t.test('Bob pays through A; Alice’s WebSocket on B hears bill.paid', async () => {
      const res = await call(A.url, 'POST', `/api/bills/${billId}/pay`, { token: bob.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const [paid] = await aliceOnB.waitFor(1, (r) => r.event === 'bill.paid');
      assert.equal(paid.data.data.bill.id, billId);
      assert.equal(paid.id, '1');
    });

    await t.test('50 bills for Bob created at once through both instances arrive on both, consecutive and in order', async () => {
      const from = lastId(bobOnB) + 1;
      const bobOnA = stream(openSse(A.url, bob.token, { lastEventId: String(from - 1) }));
      await bobOnA.opened;
      const before = { A: 0, B: bobOnB.notifications().length };
      const bills = await Promise.all(range(0, 50).map((i) => billFor(i % 2 ? B.url : A.url, alice, groupId, [bob], 200, `Round ${i}`)));
      for (const [s, skip] of [
        [bobOnB, before.B],
        [bobOnA, before.A],
      ] as const) {
        const got = (await s.waitFor(skip + 50, undefined, 20_000)).slice(skip);
        assert.deepEqual(ids(got), range(from, 50), 'no gap, no duplicate, in order');
        assert.deepEqual(new Set(got.map((r) => r.data.data.bill.id)), new Set(bills.map((b) => b.id)));
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(bobOnB.notifications().length, before.B + 50, 'nothing more arrives later');
      bobOnA.close();
    });

    await t.test('B dies (SIGKILL); Bob resumes on A from his last id and gets what he missed exactly once', async () => {
      const last = lastId(bobOnB);
      await B.kill('SIGKILL');
      bobOnB.close();
      const away = await billFor(A.url, alice, groupId, [bob], 500, 'While Bob was away');
      const resumed = stream(openSse(A.url, bob.token, { lastEventId: String(last) }));
      await resumed.opened;
      // A bill after the resume marks the end: once it is in, everything before it has been delivered.
      const marker = await billFor(A.url, alice, groupId, [bob], 500, 'After the resume');
      const got = await resumed.waitFor(2);
      await resumed.waitFor(1, (r) => r.id !== undefined && r.data.data?.bill?.id === marker.id);
      assert.deepEqual(ids(resumed.notifications()), [last + 1, last + 2]);
      assert.deepEqual(
        got.map((r) => r.data.data.bill.id),
        [away.id, marker.id],
      );
    });
  });

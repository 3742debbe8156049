// Seeds through the store (src/store/store.ts Ops), not through the API: registering 10,000 users would
// run 10,000 deliberate scrypt hashes. Sessions are stored the way src/commands/auth.ts stores them.
import { hashToken } from '../src/commands/auth.ts';
import type { BillRow, Ops, Store } from '../src/store/store.ts';
import { FAN_GROUP_ID, FAN_SIZE, OWNERS, ownerId, ownerToken, pairGroupId, receiverId, receiverToken } from './fixtures.ts';

const CREATED_AT = '2025-01-01T00:00:00.000Z';
const EXPIRES_AT = '2999-01-01T00:00:00.000Z';
/** Never a valid scrypt hash: seeded users cannot log in, they only use their seeded session. */
const NO_PASSWORD = 'bench-seeded-no-login';

export async function seedUser(tx: Ops, id: string, name: string, token: string) {
  await tx.insertUser({ id, name, email: `${id}@bench.invalid`, passwordHash: NO_PASSWORD, createdAt: CREATED_AT });
  await tx.insertSession(hashToken(token), id, CREATED_AT, EXPIRES_AT);
}

export async function seedGroup(tx: Ops, groupId: string, name: string, memberIds: string[]) {
  await tx.insertGroup({ id: groupId, name, currency: 'USD', createdAt: CREATED_AT }, memberIds[0]);
  for (const m of memberIds) await tx.addMember(groupId, m, CREATED_AT);
}

/**
 * The realtime benchmark's world: `n` receivers (one stream each), OWNERS owners, a two-member group per
 * receiver (owner i mod OWNERS, receiver i) for targeted bills, and one group of owner 0 with the first
 * FAN_SIZE receivers for fan-out.
 */
export async function seedRealtime(store: Store, n: number, salt: string) {
  await store.transaction(async (tx) => {
    for (let k = 0; k < OWNERS; k++) await seedUser(tx, ownerId(k), `Owner ${k}`, ownerToken(salt, k));
    for (let i = 0; i < n; i++) await seedUser(tx, receiverId(i), `Receiver ${i}`, receiverToken(salt, i));
    for (let i = 0; i < n; i++) await seedGroup(tx, pairGroupId(i), `Pair ${i}`, [ownerId(i % OWNERS), receiverId(i)]);
    const fan = [ownerId(0)];
    for (let i = 0; i < Math.min(FAN_SIZE, n); i++) fan.push(receiverId(i));
    await seedGroup(tx, FAN_GROUP_ID, 'Fan-out', fan);
  });
}

/**
 * `count` bills in `groupId`, each paid by a member for an equal split with two others, with the per-pair
 * debt totals kept as the bill command keeps them. Returns the bill ids.
 */
export async function seedBills(
  store: Store,
  groupId: string,
  memberIds: string[],
  count: number,
  idOf: (i: number) => string,
): Promise<string[]> {
  const ids: string[] = [];
  const BATCH = 5000;
  for (let start = 0; start < count; start += BATCH) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const owner = memberIds[i % memberIds.length];
        const others = [memberIds[(i + 1) % memberIds.length], memberIds[(i + 2) % memberIds.length]];
        const bill: BillRow = {
          id: idOf(i),
          groupId,
          ownerId: owner,
          description: `Seeded ${i}`,
          amount: 3000,
          currency: 'USD',
          createdAt: CREATED_AT,
          deletedAt: null,
          version: 1,
          date: CREATED_AT.slice(0, 10),
          notes: '',
          shares: [
            { userId: owner, amount: 1000, paidAt: CREATED_AT },
            ...others.map((userId) => ({ userId, amount: 1000, paidAt: null })),
          ],
        };
        await tx.insertBill(bill);
        for (const other of others) await tx.addDebt(groupId, other, owner, 1000);
        ids.push(bill.id);
      }
    });
  }
  return ids;
}

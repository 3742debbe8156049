// Bytes stored per bill by its notifications (issue 19, item 4): one equal split among N receivers, posted
// over HTTP to a real server on a real SQLite file. Reports the notification rows' data (SUM of the bytes
// of `data`) and how much the database file grew (after a full checkpoint, so the WAL is in the file).
// Members are seeded through the store, as bench/seed.ts does (500 registrations would be 500 scrypt hashes).
//   node bench/notification-bytes.ts [receivers…]      (default: 10 500)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import { newId } from '../src/domain/ids.ts';
import { seedUser } from './seed.ts';

const sizes = process.argv.slice(2).map(Number);
const receiversList = sizes.length > 0 ? sizes : [10, 500];
if (receiversList.some((n) => !Number.isInteger(n) || n < 1 || n > 500))
  throw new Error('receivers: whole numbers from 1 to 500 (a split names at most 500 members)');

async function post(base: string, token: string, path: string, body: unknown) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, any>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function measure(receivers: number) {
  const dir = mkdtempSync(join(tmpdir(), 'chipin-bytes-'));
  const file = join(dir, 'chipin.db');
  const server = await startServer(
    parseConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT: 'off', DATABASE_URL: `sqlite:${file}` }),
  );
  const db = new DatabaseSync(file);
  try {
    const base = server.url;
    const owner = await post(base, '', '/api/auth/register', {
      name: 'Owner',
      email: `owner.${process.pid}@bench.invalid`,
      password: 'correct horse battery',
    });
    const group = await post(base, owner.token, '/api/groups', { name: 'Everyone', currency: 'USD' });
    const groupId: string = group.group.id;
    const ids = Array.from({ length: receivers }, () => newId());
    await server.store.transaction(async (tx) => {
      for (const [i, id] of ids.entries()) {
        await seedUser(tx, id, `Member ${i}`, `bytes-${id}`);
        await tx.addMember(groupId, id, new Date().toISOString());
      }
    });
    const fileSize = () => {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      return statSync(file).size;
    };
    const sizeBefore = fileSize();
    const body = { description: 'Team dinner at the harbour', amount: 1000 * receivers + 7, split: { mode: 'equal', among: ids } };
    const requestBytes = Buffer.byteLength(JSON.stringify(body));
    const bill = await post(base, owner.token, `/api/groups/${groupId}/bills`, body);
    const row = db
      .prepare(
        `SELECT COUNT(*) AS rows, SUM(length(CAST(data AS BLOB))) AS bytes, MAX(length(CAST(data AS BLOB))) AS largest FROM notifications WHERE type = 'bill.created'`,
      )
      .get() as { rows: number; bytes: number; largest: number };
    if (row.rows !== receivers) throw new Error(`expected ${receivers} notifications, found ${row.rows} (bill ${bill.bill.id})`);
    const growth = fileSize() - sizeBefore;
    return {
      receivers,
      requestBytes,
      dataBytes: row.bytes,
      perNotification: Math.round(row.bytes / row.rows),
      largest: row.largest,
      fileGrowth: growth,
    };
  } finally {
    db.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const n of receiversList) results.push(await measure(n));
console.table(results);

// `npm run bench:push`: the Web Push worker against the test push service (HTTPS on loopback, checking
// VAPID and decrypting every message, test/offline/push-service.ts). One child server; RECEIVERS users with
// one device each; BILLS bills, each from the owner to every receiver. Prints one Markdown row:
// deliveries per second through the worker (first to last request received) and the delay from commit
// (the bill's 201) to the push request, less the configured PUSH_DELAY_SECONDS, median and p95.
//   node bench/push.ts [--receivers 20] [--bills 10] [--delay 0]
import { parseArgs } from 'node:util';
import { startChildServer } from '../test/support/child-server.ts';
import { call, groupWith, register } from '../test/support/api.ts';
import { startPushService, until } from '../test/offline/push-service.ts';

const { values } = parseArgs({
  options: {
    receivers: { type: 'string', default: '20' },
    bills: { type: 'string', default: '10' },
    delay: { type: 'string', default: '0' },
  },
});
const receivers = Number(values.receivers);
const bills = Number(values.bills);
const delaySeconds = Number(values.delay);

const push = await startPushService();
const server = await startChildServer({
  NODE_EXTRA_CA_CERTS: push.caFile,
  PUSH_ALLOWED_ORIGINS: push.origin,
  VAPID_SUBJECT: 'mailto:bench@chipin.test',
  PUSH_DELAY_SECONDS: String(delaySeconds),
});
try {
  push.expectKey((await call(server.url, 'GET', '/api/push/public-key')).body.publicKey);
  const owner = await register(server.url, 'Owner');
  const users = [];
  for (let i = 0; i < receivers; i++) users.push(await register(server.url, `R${i}`));
  const groupId = await groupWith(server.url, owner, users);
  for (const [i, u] of users.entries())
    await call(server.url, 'POST', '/api/push/subscriptions', { token: u.token, body: push.device(`r${i}`).json });
  const committed = new Map<string, number>(); // bill id → when its 201 arrived
  for (let b = 0; b < bills; b++) {
    const r = await call(server.url, 'POST', `/api/groups/${groupId}/bills`, {
      token: owner.token,
      body: {
        description: `Bench ${b}`,
        amount: 100 * (receivers + 1),
        split: { mode: 'equal', among: [owner.id, ...users.map((u) => u.id)] },
      },
    });
    committed.set(r.body.bill.id, Date.now());
  }
  const expected = receivers * bills;
  await until(() => push.received.length >= expected, 60_000 + delaySeconds * 1000, `${expected} pushes`);
  if (push.violations.length > 0) throw new Error(`push service violations: ${push.violations.slice(0, 3).join('; ')}`);
  const times = push.received.map((r) => r.at);
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  const delays = push.received.map((r) => r.at - committed.get(r.payload.data.bill.id)! - delaySeconds * 1000).sort((a, b) => a - b);
  const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor((p / 100) * delays.length))];
  const rate = span > 0 ? Math.round(expected / span) : expected;
  console.log('| scenario | deliveries | deliveries/s | commit → push request beyond delay, median | p95 |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(
    `| push worker, ${receivers} devices × ${bills} bills, PUSH_DELAY_SECONDS=${delaySeconds} | ${expected} | ${rate} | ${pct(50)} ms | ${pct(95)} ms |`,
  );
} finally {
  await server.close();
  await push.close();
}

// The push/email words for issue 15's notification types (src/notify/deliveries/text.ts): each names who did
// what, the amount in the group's currency, and links to the bill or the group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe } from '../../src/notify/deliveries/text.ts';
import type { Notification } from '../../src/contract/events.ts';

const group = { id: 'g1', name: 'Trip' };
const actor = { id: 'u1', name: 'Ann' };
const bill = { id: 'b1', groupId: 'g1', ownerId: 'u1', description: 'Supper', amount: 3000, currency: 'EUR', shareCount: 2, paidCount: 1 };
const payment = {
  id: 'p1',
  groupId: 'g1',
  from: 'u2',
  to: 'u1',
  amount: 1250,
  currency: 'EUR',
  note: '',
  status: 'pending',
  createdAt: '2030-01-01T00:00:00.000Z',
  confirmedAt: null,
};
const base = { id: '1', createdAt: '2030-01-01T00:00:00.000Z', readAt: null };

test('issue 15 types have words: bill.updated, bill.reminder, payment.recorded / confirmed / disputed', () => {
  const cases: [Notification, { title: string; body: string; path: string }][] = [
    [
      {
        ...base,
        type: 'bill.updated',
        data: { bill, group, actor, amount: 1500, previous: { amount: 1000, description: 'Dinner' } },
      } as Notification,
      { title: 'Ann changed Dinner to Supper', body: 'Your part: €15.00 in Trip', path: '/bills/b1' },
    ],
    [
      { ...base, type: 'bill.reminder', data: { bill, group, actor, amount: 1500 } } as Notification,
      { title: 'Ann reminds you about Supper', body: 'You owe €15.00 in Trip', path: '/bills/b1' },
    ],
    [
      { ...base, type: 'payment.recorded', data: { payment, group, actor } } as Notification,
      { title: 'Ann says they paid you €12.50', body: 'Confirm or dispute it in Trip', path: '/groups/g1' },
    ],
    [
      { ...base, type: 'payment.confirmed', data: { payment, group, actor } } as Notification,
      { title: 'Ann confirmed your payment of €12.50', body: 'In Trip', path: '/groups/g1' },
    ],
    [
      { ...base, type: 'payment.disputed', data: { payment, group, actor, reason: 'never got it' } } as Notification,
      { title: 'Ann disputed your payment of €12.50', body: '“never got it” in Trip', path: '/groups/g1' },
    ],
  ];
  for (const [n, expected] of cases) assert.deepEqual(describe(n), expected, n.type);
});

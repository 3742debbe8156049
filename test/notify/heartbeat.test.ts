// Heartbeats: one timer for the hub, each round spread so no tick writes to more than 64 streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHub } from '../../src/notify/hub.ts';
import { createMetrics } from '../../src/notify/metrics.ts';
import type { Connection } from '../../src/notify/connection.ts';

test('a heartbeat round reaches every stream once per period, at most 64 writes a tick', async () => {
  const store = { notificationsAfter: async () => [], notificationState: async () => ({ lastId: 0, readUpTo: 0 }) };
  const hub = createHub({
    store,
    maxStreamsPerUser: 16,
    streamQueueBytes: 1 << 20,
    heartbeatMs: 400,
    groupHintMs: 250,
    stallMs: 1000,
    metrics: createMetrics(),
  });
  const beats = new Map<number, number>();
  const ticks: number[] = [];
  let tickStart = -1;
  const conns: Connection[] = Array.from({ length: 2000 }, (_, i) => ({
    transport: 'sse',
    sendNotification: () => undefined,
    sendControl: () => undefined,
    heartbeat() {
      beats.set(i, (beats.get(i) ?? 0) + 1);
      const now = Math.round(performance.now());
      if (now !== tickStart) {
        ticks.push(0);
        tickStart = now;
      }
      ticks[ticks.length - 1]++;
      return true;
    },
    bufferedBytes: () => 0,
    close: () => undefined,
  }));
  const subs = conns.map((c, i) => hub.subscribe(`user${i}`, c, undefined));
  await Promise.all(subs.map((s) => s.ready));
  await new Promise((r) => setTimeout(r, 460));
  subs.forEach((s) => s.unsubscribe());
  assert.equal(beats.size, 2000, 'every stream got a heartbeat within one period (+15%)');
  assert.ok(Math.max(...ticks) <= 64, `largest tick wrote ${Math.max(...ticks)}`);
  assert.deepEqual(hub.stats(), { subscribers: 0, users: 0, timer: false, hints: { queued: 0, running: false, timer: false } });
});

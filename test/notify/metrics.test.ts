// The live layer's metrics are counted in plain numbers and handed to prom-client on scrape
// (src/notify/metrics.ts): the exposition must still be Prometheus's, cumulative buckets and all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../src/notify/metrics.ts';

test('counters and the lag histogram read out in the Prometheus text format', async () => {
  const m = createMetrics();
  m.delivered.sse += 3;
  m.replayed.ws++;
  for (const seconds of [0.0001, 0.0005, 0.003, 2]) m.lag.observe(seconds);
  const text = await m.registry.metrics();
  const lines = (prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));
  assert.deepEqual(lines('chipin_notifications_delivered_total{'), [
    'chipin_notifications_delivered_total{transport="sse"} 3',
    'chipin_notifications_delivered_total{transport="ws"} 0',
  ]);
  assert.deepEqual(lines('chipin_notifications_replayed_total{'), [
    'chipin_notifications_replayed_total{transport="sse"} 0',
    'chipin_notifications_replayed_total{transport="ws"} 1',
  ]);
  assert.match(text, /# TYPE chipin_delivery_lag_seconds histogram/);
  // A value equal to a bound counts in that bucket (le = less than or equal); buckets are cumulative.
  assert.deepEqual(lines('chipin_delivery_lag_seconds_bucket'), [
    'chipin_delivery_lag_seconds_bucket{le="0.0005"} 2',
    'chipin_delivery_lag_seconds_bucket{le="0.001"} 2',
    'chipin_delivery_lag_seconds_bucket{le="0.002"} 2',
    'chipin_delivery_lag_seconds_bucket{le="0.005"} 3',
    'chipin_delivery_lag_seconds_bucket{le="0.01"} 3',
    'chipin_delivery_lag_seconds_bucket{le="0.025"} 3',
    'chipin_delivery_lag_seconds_bucket{le="0.05"} 3',
    'chipin_delivery_lag_seconds_bucket{le="0.1"} 3',
    'chipin_delivery_lag_seconds_bucket{le="0.25"} 3',
    'chipin_delivery_lag_seconds_bucket{le="1"} 3',
    'chipin_delivery_lag_seconds_bucket{le="+Inf"} 4',
  ]);
  assert.deepEqual(lines('chipin_delivery_lag_seconds_count'), ['chipin_delivery_lag_seconds_count 4']);
  assert.ok(Math.abs(Number(lines('chipin_delivery_lag_seconds_sum')[0].split(' ')[1]) - 2.0036) < 1e-9);
  // A second scrape reads the same totals (the copy into prom-client does not add up twice).
  assert.deepEqual(
    lines('chipin_notifications_delivered_total{'),
    (await m.registry.metrics()).split('\n').filter((l) => l.startsWith('chipin_notifications_delivered_total{')),
  );
});

// Prometheus metrics of the live layer (served at /metrics by http/routes/metrics.ts).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Transport } from './connection.ts';

/**
 * A histogram counted in a typed array and handed to prom-client only when /metrics is scraped.
 * prom-client's Histogram.observe plus a Counter.inc cost 0.7 µs a delivered notification, half of the
 * hub's own cost per delivery (measured with 10,000 subscribers); this costs a few comparisons.
 */
function fastHistogram(registry: Registry, name: string, help: string, buckets: readonly number[]) {
  const counts = new Float64Array(buckets.length + 1);
  let sum = 0;
  const metric = {
    name,
    help,
    observe(value: number) {
      let i = 0;
      while (i < buckets.length && value > buckets[i]) i++; // bucket `le` counts values ≤ le
      counts[i]++;
      sum += value;
    },
    async get() {
      let cumulative = 0;
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = buckets.map((le, i) => ({
        metricName: `${name}_bucket`,
        labels: { le },
        value: (cumulative += counts[i]),
      }));
      const count = cumulative + counts[buckets.length];
      values.push(
        { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: count },
        { metricName: `${name}_sum`, labels: {}, value: sum },
        { metricName: `${name}_count`, labels: {}, value: count },
      );
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {
      counts.fill(0);
      sum = 0;
    },
  };
  registry.registerMetric(metric as unknown as Counter);
  return metric;
}

/** A counter per transport kept in plain numbers on the hot path, copied into prom-client on scrape. */
function transportCounter(registry: Registry, name: string, help: string) {
  const counts: Record<Transport, number> = { sse: 0, ws: 0 };
  new Counter({
    name,
    help,
    labelNames: ['transport'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const t of ['sse', 'ws'] as const) this.inc({ transport: t }, counts[t]);
    },
  });
  return counts;
}

export function createMetrics() {
  const registry = new Registry();
  // The event-loop lag histogram sampled every 100 ms, not prom-client's 10 ms: a timer waking the process
  // 100 times a second was most of what an instance with nothing to do spent (0.0099 of a core idle, 0.0036
  // at 100 ms; issue 17 asks ≤ 0.005). Ten samples a second still fill the p50/p99 a scrape reads.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return {
    registry,
    connections: new Gauge({
      name: 'chipin_stream_connections',
      help: 'Open notification streams',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    delivered: transportCounter(registry, 'chipin_notifications_delivered_total', 'Notifications written live to a stream'),
    replayed: transportCounter(
      registry,
      'chipin_notifications_replayed_total',
      'Notifications written from the store on resume or gap repair',
    ),
    hints: transportCounter(
      registry,
      'chipin_group_hints_total',
      'group.updated refresh hints written to streams (coalesced per stream and group)',
    ),
    dropped: new Counter({
      name: 'chipin_stream_closed_total',
      help: 'Streams closed by the server, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    busConnected: new Gauge({
      name: 'chipin_bus_connected',
      help: '1 while the cross-instance bus is connected; 0: degraded, streams are repaired by the per-heartbeat check alone',
      labelNames: ['bus'] as const,
      registers: [registry],
    }),
    lag: fastHistogram(
      registry,
      'chipin_delivery_lag_seconds',
      'From commit to the write on the stream',
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    ),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

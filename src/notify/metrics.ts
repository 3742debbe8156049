// Prometheus metrics of the live layer (served at /metrics by http/routes/metrics.ts).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    connections: new Gauge({ name: 'chipin_stream_connections', help: 'Open notification streams', labelNames: ['transport'] as const, registers: [registry] }),
    delivered: new Counter({ name: 'chipin_notifications_delivered_total', help: 'Notifications written live to a stream', labelNames: ['transport'] as const, registers: [registry] }),
    replayed: new Counter({ name: 'chipin_notifications_replayed_total', help: 'Notifications written from the store on resume or gap repair', labelNames: ['transport'] as const, registers: [registry] }),
    dropped: new Counter({ name: 'chipin_stream_closed_total', help: 'Streams closed by the server, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    lag: new Histogram({
      name: 'chipin_delivery_lag_seconds',
      help: 'From commit to the write on the stream',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

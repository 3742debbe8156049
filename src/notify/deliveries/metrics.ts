// Prometheus metrics of the offline channels: outcomes by channel, and the queue read from the store on scrape.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeliveryChannel, Ops } from '../../store/store.ts';

export type DeliveryOutcome =
  | 'delivered'
  | 'skipped_seen'
  | 'skipped_read'
  | 'skipped_preference'
  | 'gone'
  | 'retried'
  | 'rejected'
  | 'expired'
  | 'refused_origin';

const CHANNELS: readonly DeliveryChannel[] = ['push', 'email'];

export function deliveryMetrics(registry: Registry, ops: Ops) {
  const outcomes = new Counter({
    name: 'chipin_offline_deliveries_total',
    help: 'Push and email deliveries by outcome (retried counts each attempt that will be tried again)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  let queue: Promise<Awaited<ReturnType<Ops['deliveryQueue']>>> | undefined;
  // One query serves both gauges of a scrape.
  const read = () => (queue ??= ops.deliveryQueue(new Date().toISOString()).finally(() => setTimeout(() => (queue = undefined), 0)));
  new Gauge({
    name: 'chipin_offline_queue_depth',
    help: 'Pending deliveries (due or not) by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
    async collect() {
      const rows = await read();
      for (const c of CHANNELS) this.set({ channel: c }, rows.find((r) => r.channel === c)?.depth ?? 0);
    },
  });
  new Gauge({
    name: 'chipin_offline_oldest_pending_seconds',
    help: 'How long the oldest due delivery has been waiting past its due time, by channel (0: none due)',
    labelNames: ['channel'] as const,
    registers: [registry],
    async collect() {
      const rows = await read();
      const now = Date.now();
      for (const c of CHANNELS) {
        const oldest = rows.find((r) => r.channel === c)?.oldestDueAt;
        this.set({ channel: c }, oldest ? Math.max(0, (now - Date.parse(oldest)) / 1000) : 0);
      }
    },
  });
  return { count: (channel: DeliveryChannel, outcome: DeliveryOutcome, by = 1) => outcomes.inc({ channel, outcome }, by) };
}
export type DeliveryMetrics = ReturnType<typeof deliveryMetrics>;

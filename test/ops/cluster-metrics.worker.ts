/** A cluster worker for cluster-metrics.test.ts: counts its own id, then scrapes through the primary. */
import { Counter, Registry } from 'prom-client';
import { workerMetrics } from '../../src/ops/cluster-metrics.js';

const registry = new Registry();
const counter = new Counter({ name: 'test_worker_hits_total', help: 'hits', registers: [registry] });
counter.inc(Number(process.env.HITS ?? '1'));
const ask = workerMetrics(registry);
process.on('message', (m: unknown) => {
  if ((m as { type?: string } | null)?.type !== 'test:scrape') return;
  ask().then(
    (text) => process.send?.({ type: 'test:scraped', text }),
    (err: unknown) => process.send?.({ type: 'test:scraped', error: String(err) }),
  );
});
process.send?.({ type: 'test:ready' });

/**
 * /metrics over real node:cluster workers: the primary sums the workers' registries, and a worker
 * that takes a scrape asks the primary and gets the cluster's numbers, not its own.
 */
import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveClusterMetrics } from '../../src/ops/cluster-metrics.js';

const workers: Worker[] = [];
let scrape: () => Promise<string>;

const next = (w: Worker, type: string) =>
  new Promise<Record<string, unknown>>((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (m?.type !== type) return;
      w.off('message', on);
      resolve(m);
    };
    w.on('message', on);
  });

beforeAll(async () => {
  scrape = serveClusterMetrics();
  cluster.setupPrimary({
    exec: join(import.meta.dirname, 'cluster-metrics.worker.ts'),
    execArgv: ['--import', 'tsx'],
    silent: true,
  });
  for (const hits of [3, 4]) {
    const w = cluster.fork({ HITS: String(hits) });
    workers.push(w);
    await next(w, 'test:ready');
  }
}, 60_000);
afterAll(() => {
  for (const w of workers) w.kill();
});

describe('cluster metrics', () => {
  it("the primary's scrape sums every worker's registry", async () => {
    expect(await scrape()).toMatch(/^test_worker_hits_total 7$/m);
  });

  it('a worker asked for metrics answers with the whole cluster’s, through the primary', async () => {
    for (const w of workers) {
      const answer = next(w, 'test:scraped');
      w.send({ type: 'test:scrape' });
      const m = await answer;
      expect(m.error).toBeUndefined();
      expect(String(m.text)).toMatch(/^test_worker_hits_total 7$/m);
    }
  });
});

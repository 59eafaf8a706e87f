/**
 * The rate-limit counter's cost (ADR 0010): hits per second and latency of the Postgres UPSERT,
 * one at a time and with 64 in flight, all on one key (one client's row, the contended case) and
 * on distinct keys. Needs Postgres at 127.0.0.1:5432 (MANDATE_TEST_PG_ADMIN_URL overrides).
 *
 *   npx tsx bench/rate-limit.ts          # BENCH_HITS=4000 by default
 */
import { performance } from 'node:perf_hooks';
import { createPgWindowCounter } from '../src/store/rate-limits.js';
import { createTestDatabase } from '../test/helpers/pg.js';

const HITS = Number(process.env.BENCH_HITS ?? 4000);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function run(label: string, inFlight: number, key: (i: number) => string): Promise<void> {
  const db = await createTestDatabase({ postgres: { max: Math.min(inFlight, 16) } });
  const counter = createPgWindowCounter(db.db);
  try {
    for (let i = 0; i < 200; i++) await counter.hit('token', `warm-${i % 4}`, 3600);
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < HITS) {
          const i = next++;
          const t = performance.now();
          await counter.hit('token', key(i), 3600);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(
      `${label.padEnd(34)} ${(HITS / seconds).toFixed(0).padStart(6)} hits/s  p50 ${quantile(latencies, 0.5).toFixed(2)} ms  p99 ${quantile(latencies, 0.99).toFixed(2)} ms`,
    );
  } finally {
    await db.drop();
  }
}

await run('one key, 1 in flight', 1, () => 'mcp-salesforce');
await run('one key, 64 in flight (16 conns)', 64, () => 'mcp-salesforce');
await run('distinct keys, 64 in flight', 64, (i) => `client-${i}`);

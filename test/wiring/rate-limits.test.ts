/**
 * Which counter the service's rate limits use: the database's when it is a Postgres server
 * (shared by every instance), this process's memory with embedded PGlite; and it says which.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createMemoryLogger } from '../../src/log.js';
import { createMetrics } from '../../src/ops/metrics.js';
import type { Db } from '../../src/store/db.js';
import { buildRateLimits } from '../../src/wiring/rate-limits.js';

const config = loadConfig({
  MANDATE_ISSUER: 'http://localhost:8080',
  MANDATE_CONFIG: 'examples/mandate.json',
  MANDATE_RATE_LIMIT_REGISTER: '1/1h',
});

/** A database that records what is asked of it and answers a first hit. */
function fakeDb(kind: Db['kind']): Db & { queries: string[] } {
  const queries: string[] = [];
  return {
    kind,
    queries,
    query: (sql: string) => {
      queries.push(sql);
      return Promise.resolve({
        rows: [{ name: 'register', key: '10.0.0.1', hits: 1, reset_in: '30' }],
        rowCount: 1,
      }) as never;
    },
  } as unknown as Db & { queries: string[] };
}

describe('buildRateLimits', () => {
  it('counts in Postgres when the store is a Postgres server', async () => {
    const db = fakeDb('postgres');
    const log = createMemoryLogger();
    const limits = buildRateLimits(config, db, log, createMetrics());
    await limits.take('register', '10.0.0.1');
    expect(db.queries).toHaveLength(1);
    expect(db.queries[0]).toContain('INSERT INTO rate_limits');
    expect(log.lines[0]?.msg).toBe('rate limits: counted in Postgres, shared by every instance');
  });

  it('counts in memory with embedded PGlite, per instance', async () => {
    const db = fakeDb('pglite');
    const log = createMemoryLogger();
    const limits = buildRateLimits(config, db, log, createMetrics());
    await limits.take('register', '10.0.0.1');
    await expect(limits.take('register', '10.0.0.1')).rejects.toMatchObject({ status: 429 });
    expect(db.queries).toEqual([]);
    expect(log.lines[0]).toMatchObject({
      msg: 'rate limits: counted in memory, per instance (embedded database)',
      fields: {
        limits: 'token 3000/60s, register 1/3600s, authorize 300/60s, login 30/60s',
        trust_proxy: 'false',
      },
    });
  });
});

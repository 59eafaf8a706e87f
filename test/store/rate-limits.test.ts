/**
 * The rate-limit counters: in Postgres (real server) every hit of a key is counted exactly once,
 * however many connections count at once, in windows of the database's clock; in memory, windows
 * follow the injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryWindowCounter, createPgWindowCounter } from '../../src/store/rate-limits.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

describe('createPgWindowCounter', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('counts each hit once, across concurrent statements, per name and key', async () => {
    const counter = createPgWindowCounter(t.db);
    const counts = await Promise.all(
      Array.from({ length: 40 }, () => counter.hit('token', 'mcp-salesforce', 3600)),
    );
    // Concurrent hits at a window boundary could split into two windows; an hour makes that rare,
    // and then the counts restart at 1, so check the distinct counts instead of 1..40 only.
    const hits = counts.map((c) => c.hits).sort((a, b) => a - b);
    expect(new Set(hits).size).toBe(40);
    expect(Math.max(...hits)).toBeLessThanOrEqual(40);
    for (const c of counts) {
      expect(c.resetInSeconds).toBeGreaterThan(0);
      expect(c.resetInSeconds).toBeLessThanOrEqual(3600);
    }
    expect((await counter.hit('register', 'mcp-salesforce', 3600)).hits).toBe(1);
    expect((await counter.hit('token', 'mcp-workday', 3600)).hits).toBe(1);
  });

  it('starts a new window once the stored one is over', async () => {
    const counter = createPgWindowCounter(t.db);
    await counter.hit('login', '10.0.0.7', 60);
    await counter.hit('login', '10.0.0.7', 60);
    // Move the stored window into the past, as time passing would.
    await t.db.query(
      `UPDATE rate_limits SET window_start = window_start - 120, expires_at = expires_at - 120
        WHERE name = 'login' AND key = '10.0.0.7'`,
    );
    const next = await counter.hit('login', '10.0.0.7', 60);
    expect(next.hits).toBe(1);
    const row = await t.db.query<{ window_start: string; expires_at: string }>(
      `SELECT window_start, expires_at FROM rate_limits WHERE name = 'login' AND key = '10.0.0.7'`,
    );
    const start = Number(row.rows[0]!.window_start);
    expect(start % 60).toBe(0);
    expect(Number(row.rows[0]!.expires_at)).toBe(start + 60);
    expect(Math.abs(start - Date.now() / 1000)).toBeLessThan(120);
  });

  it('is shared by two pools on one database', async () => {
    const a = createPgWindowCounter(t.db);
    const second = await import('../../src/store/pg.js').then((m) => m.openPostgres(t.url, { max: 2 }));
    try {
      const b = createPgWindowCounter(second);
      expect((await a.hit('authorize', '192.0.2.1', 3600)).hits).toBe(1);
      expect((await b.hit('authorize', '192.0.2.1', 3600)).hits).toBe(2);
      expect((await a.hit('authorize', '192.0.2.1', 3600)).hits).toBe(3);
    } finally {
      await second.close();
    }
  });
});

describe('createMemoryWindowCounter', () => {
  it('counts per name and key in windows of the clock', async () => {
    let now = 1_000_040;
    const counter = createMemoryWindowCounter(() => now);
    expect(await counter.hit('token', 'a', 60)).toEqual({ hits: 1, resetInSeconds: 40 });
    expect(await counter.hit('token', 'a', 60)).toEqual({ hits: 2, resetInSeconds: 40 });
    expect(await counter.hit('token', 'b', 60)).toEqual({ hits: 1, resetInSeconds: 40 });
    expect(await counter.hit('login', 'a', 60)).toEqual({ hits: 1, resetInSeconds: 40 });
    now += 40;
    expect(await counter.hit('token', 'a', 60)).toEqual({ hits: 1, resetInSeconds: 60 });
  });
});

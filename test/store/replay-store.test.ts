import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { createReplayStore, ReplayRecordError } from '../../src/store/replay-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const now = Math.floor(Date.now() / 1000);

describe('replay store (Postgres)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('accepts a key once and refuses its replay while live', async () => {
    const r = createReplayStore(t.db);
    expect(await r.remember('dpop:jkt1', 'jti-1', now + 300)).toBe(true);
    expect(await r.remember('dpop:jkt1', 'jti-1', now + 300)).toBe(false);
    // Namespaces are separate.
    expect(await r.remember('dpop:jkt2', 'jti-1', now + 300)).toBe(true);
  });

  it('lets an expired key be used again', async () => {
    const r = createReplayStore(t.db);
    expect(await r.remember('assert', 'old', now - 10)).toBe(true);
    expect(await r.remember('assert', 'old', now + 300)).toBe(true);
    expect(await r.remember('assert', 'old', now + 300)).toBe(false);
  });

  it('accepts exactly one of many concurrent uses of a key', async () => {
    const r = createReplayStore(t.db);
    const results = await Promise.all(Array.from({ length: 8 }, () => r.remember('race', 'k', now + 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('writes concurrent uses of different keys together and still refuses each replay', async () => {
    const r = createReplayStore(t.db);
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const first = await Promise.all(keys.map((k) => r.remember('batch', k, now + 60)));
    expect(first.every(Boolean)).toBe(true);
    // A second store (as another instance would) sees every one of them as a replay.
    const other = createReplayStore(t.db);
    const again = await Promise.all(keys.map((k) => other.remember('batch', k, now + 60)));
    expect(again.some(Boolean)).toBe(false);
  });

  it('refuses a record no column can hold at once, and its batch neighbours are written', async () => {
    const r = createReplayStore(t.db);
    const honest = Array.from({ length: 16 }, (_, i) => r.remember('poison', `honest-${i}`, now + 60));
    const poison = [
      r.remember('poison', 'nul\u0000byte', now + 60),
      r.remember('poison', 'lone\ud800surrogate', now + 60),
      r.remember('poison', 'x'.repeat(5000), now + 60),
      r.remember('poison\u0000ns', 'k', now + 60),
      r.remember('poison', '', now + 60),
      r.remember('poison', 'range', 1e20),
      r.remember('poison', 'fraction', now + 0.5),
      r.remember('poison', 'infinite', Infinity),
    ];
    const settled = await Promise.allSettled(poison);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(ReplayRecordError);
    }
    expect(await Promise.all(honest)).toEqual(honest.map(() => true));
  });

  it('retries a batch the database refused record by record: only the failing record is refused', async () => {
    // A database that refuses any statement holding the key 'explodes' (a row-level failure).
    const failing: Db = {
      ...t.db,
      query: async <R>(sql: string, params?: readonly unknown[]) => {
        if (JSON.stringify(params ?? []).includes('explodes')) throw new Error('row refused');
        return t.db.query<R>(sql, params);
      },
    };
    const r = createReplayStore(failing);
    const honest = Array.from({ length: 12 }, (_, i) => r.remember('isolate', `k${i}`, now + 60));
    const bad = r.remember('isolate', 'explodes', now + 60);
    const repeat = r.remember('isolate', 'k0', now + 60);
    await expect(bad).rejects.toThrow('row refused');
    expect(await Promise.all(honest)).toEqual(honest.map(() => true));
    expect(await repeat).toBe(false);
    expect(await r.remember('isolate', 'after', now + 60)).toBe(true);
  });

  it('purges expired records only', async () => {
    const r = createReplayStore(t.db);
    await r.remember('purge', 'dead', now - 100);
    await r.remember('purge', 'live', now + 100);
    expect(await r.purgeExpired(now)).toBeGreaterThanOrEqual(1);
    const left = await t.db.query<{ key: string }>(`SELECT key FROM replay WHERE namespace = 'purge'`);
    expect(left.rows.map((x) => x.key)).toEqual(['live']);
  });
});

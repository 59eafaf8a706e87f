import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplayStore } from '../../src/store/replay.js';
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

  it('rejects every caller of a batch the database refused, and recovers', async () => {
    const r = createReplayStore(t.db);
    const bad = r.remember('batch-error', 'x', 1e20); // out of bigint range
    await expect(bad).rejects.toThrow();
    expect(await r.remember('batch-error', 'y', now + 60)).toBe(true);
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

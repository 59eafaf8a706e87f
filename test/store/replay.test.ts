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

  it('purges expired records only', async () => {
    const r = createReplayStore(t.db);
    await r.remember('purge', 'dead', now - 100);
    await r.remember('purge', 'live', now + 100);
    expect(await r.purgeExpired(now)).toBeGreaterThanOrEqual(1);
    const left = await t.db.query<{ key: string }>(`SELECT key FROM replay WHERE namespace = 'purge'`);
    expect(left.rows.map((x) => x.key)).toEqual(['live']);
  });
});

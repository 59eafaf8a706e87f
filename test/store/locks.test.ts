/**
 * The advisory locks on the shared test Postgres: one holder at a time per name, across
 * connections, released with the transaction; names do not block each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKS, LOCK_NAMESPACE, lockSql, tryLockSql } from '../../src/store/locks.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await t.drop();
});

const tryLock = async (q: { query: TestDatabase['db']['query'] }, name: keyof typeof LOCKS) => {
  const [sql, params] = tryLockSql(name);
  return (await q.query<{ taken: boolean }>(sql, params)).rows[0]!.taken;
};

describe('advisory locks', () => {
  it('every lock has its own id in the Mandate namespace (ASCII "mand")', () => {
    expect(LOCK_NAMESPACE).toBe(Buffer.from('mand').readInt32BE());
    const ids = Object.values(LOCKS);
    expect(new Set(ids).size).toBe(ids.length);
    expect(lockSql('signingKeys')[1]).toEqual([LOCK_NAMESPACE, LOCKS.signingKeys]);
    expect(tryLockSql('housekeeping')[1]).toEqual([LOCK_NAMESPACE, LOCKS.housekeeping]);
  });

  it('a taken lock is refused to another transaction until the holder commits', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = t.db.tx(async (q) => {
      const [sql, params] = lockSql('migrations');
      await q.query(sql, params);
      // The lock shows in pg_locks under the two keys, as an advisory lock.
      const rows = await q.query<{ classid: number; objid: number; objsubid: number }>(
        "SELECT classid::int8::int4 AS classid, objid::int8::int4 AS objid, objsubid FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
      );
      expect(rows.rows).toContainEqual({ classid: LOCK_NAMESPACE, objid: LOCKS.migrations, objsubid: 2 });
      locked();
      await held;
    });
    await isLocked;
    expect(await t.db.tx((q) => tryLock(q, 'migrations'))).toBe(false);
    // Another name is not blocked by it.
    expect(await t.db.tx((q) => tryLock(q, 'connectorKeys'))).toBe(true);
    release();
    await holder;
    expect(await t.db.tx((q) => tryLock(q, 'migrations'))).toBe(true);
  });

  it('the lock ends with its transaction: taken again in the next one', async () => {
    expect(await t.db.tx((q) => tryLock(q, 'housekeeping'))).toBe(true);
    expect(await t.db.tx((q) => tryLock(q, 'housekeeping'))).toBe(true);
  });
});

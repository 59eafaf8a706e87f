import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activateSigningKey,
  deleteExpiredSigningKeys,
  insertSigningKey,
  listSigningKeys,
  lockSigningKeys,
  retireSigningKey,
  type SigningKeyRow,
} from '../../src/store/signing-keys.js';
import { tryLockSql } from '../../src/store/locks.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const key = (kid: string, over: Partial<SigningKeyRow> = {}): SigningKeyRow => ({
  kid,
  alg: 'ES256',
  publicJwk: { kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}`, kid },
  privateEnc: `sealed-${kid}`,
  state: 'retired',
  createdAt: 100,
  activatedAt: 110,
  retiredAt: 200,
  expiresAt: 300,
  ...over,
});

describe('signing key rows', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('lists active, then next, then retired from the most recently retired, as stored', async () => {
    const rows = [
      key('r-old', { retiredAt: 150 }),
      key('next', { state: 'next', activatedAt: null, retiredAt: null, expiresAt: null }),
      key('r-new', { retiredAt: 250 }),
      key('active', { state: 'active', retiredAt: null, expiresAt: null }),
    ];
    for (const r of rows) await insertSigningKey(t.db, r);
    const listed = await listSigningKeys(t.db);
    expect(listed.map((k) => k.kid)).toEqual(['active', 'next', 'r-new', 'r-old']);
    expect(listed[0]).toEqual(rows[3]);
    expect(listed[1]).toEqual(rows[1]);
  });

  it('holds at most one active and one next key', async () => {
    await expect(insertSigningKey(t.db, key('active2', { state: 'active' }))).rejects.toThrow();
    await expect(insertSigningKey(t.db, key('next2', { state: 'next' }))).rejects.toThrow();
  });

  it('rotates: retire only the active key, activate only the next key', async () => {
    await expect(retireSigningKey(t.db, 'next', 400, 700)).rejects.toThrow('signing key next is not active');
    await expect(activateSigningKey(t.db, 'active', 400)).rejects.toThrow(
      'signing key active is not the next key',
    );
    await t.db.tx(async (q) => {
      await retireSigningKey(q, 'active', 400, 700);
      await activateSigningKey(q, 'next', 400);
    });
    const byKid = new Map((await listSigningKeys(t.db)).map((k) => [k.kid, k]));
    expect(byKid.get('next')).toMatchObject({ state: 'active' });
    expect(Number(byKid.get('next')!.activatedAt)).toBe(400);
    expect(byKid.get('active')).toMatchObject({ state: 'retired' });
    expect([Number(byKid.get('active')!.retiredAt), Number(byKid.get('active')!.expiresAt)]).toEqual([
      400, 700,
    ]);
    await expect(activateSigningKey(t.db, 'missing', 1)).rejects.toThrow(
      'signing key missing is not the next key',
    );
  });

  it('deletes retired keys whose tokens have all expired (expires_at reached), not live ones', async () => {
    // r-old and r-new expire at 300, "active" (now retired) at 700.
    expect(await deleteExpiredSigningKeys(t.db, 299)).toEqual([]);
    expect(await deleteExpiredSigningKeys(t.db, 300)).toEqual(['r-new', 'r-old']);
    expect((await listSigningKeys(t.db)).map((k) => k.kid)).toEqual(['next', 'active']);
    // An active key is never deleted, however old.
    expect(await deleteExpiredSigningKeys(t.db, 10_000)).toEqual(['active']);
    expect((await listSigningKeys(t.db)).map((k) => k.kid)).toEqual(['next']);
  });

  it('lockSigningKeys holds the signing-keys lock until the transaction ends', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = t.db.tx(async (q) => {
      await lockSigningKeys(q);
      locked();
      await held;
    });
    await isLocked;
    const [sql, params] = tryLockSql('signingKeys');
    const taken = () => t.db.tx(async (q) => (await q.query<{ taken: boolean }>(sql, params)).rows[0]!.taken);
    expect(await taken()).toBe(false);
    release();
    await holder;
    expect(await taken()).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  insertConnectorKey,
  listConnectorKeys,
  listConnectorServices,
  lockConnectorKeys,
  promoteConnectorKey,
  pruneRetiredConnectorKeys,
  type ConnectorKeyRow,
} from '../../src/store/connector-keys.js';
import { tryLockSql } from '../../src/store/locks.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const key = (service: string, kid: string, over: Partial<ConnectorKeyRow> = {}): ConnectorKeyRow => ({
  service,
  kid,
  alg: 'RS256',
  publicJwk: { kty: 'RSA', n: `n-${kid}`, e: 'AQAB', kid },
  privateEnc: `sealed-${kid}`,
  certificatePem: `-----BEGIN CERTIFICATE-----\n${kid}\n-----END CERTIFICATE-----\n`,
  state: 'retired',
  createdAt: 100,
  activatedAt: 110,
  retiredAt: 200,
  ...over,
});

describe('connector key rows', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it("lists one service's keys: active, next, then retired from the most recent, as stored", async () => {
    const active = key('sf', 'a1', { state: 'active', retiredAt: null });
    const next = key('sf', 'n1', { state: 'next', activatedAt: null, retiredAt: null });
    for (const k of [key('sf', 'r1', { retiredAt: 150 }), next, key('sf', 'r2', { retiredAt: 250 }), active])
      await insertConnectorKey(t.db, k);
    await insertConnectorKey(t.db, key('github', 'g1', { state: 'active', retiredAt: null }));
    const listed = await listConnectorKeys(t.db, 'sf');
    expect(listed.map((k) => k.kid)).toEqual(['a1', 'n1', 'r2', 'r1']);
    expect(listed[0]).toEqual(active);
    expect(listed[1]).toEqual(next);
    expect((await listConnectorKeys(t.db, 'github')).map((k) => k.kid)).toEqual(['g1']);
    expect(await listConnectorKeys(t.db, 'none')).toEqual([]);
    expect(await listConnectorServices(t.db)).toEqual(['github', 'sf']);
  });

  it('holds one active and one next key per service, but each service its own', async () => {
    await expect(insertConnectorKey(t.db, key('sf', 'a2', { state: 'active' }))).rejects.toThrow();
    await expect(insertConnectorKey(t.db, key('sf', 'n2', { state: 'next' }))).rejects.toThrow();
    await insertConnectorKey(
      t.db,
      key('github', 'gn', { state: 'next', activatedAt: null, retiredAt: null }),
    );
  });

  it('promotes next to active and active to retired, and refuses kids in the wrong state', async () => {
    await expect(promoteConnectorKey(t.db, 'sf', 'n1', 'a1', 300)).rejects.toThrow(
      'connector key n1 of sf is not active',
    );
    // The wrong next kid fails after the retire: inside a transaction nothing is left half-done.
    await expect(t.db.tx((q) => promoteConnectorKey(q, 'sf', 'a1', 'r1', 300))).rejects.toThrow(
      'connector key r1 of sf is not the next key',
    );
    expect((await listConnectorKeys(t.db, 'sf'))[0]).toMatchObject({ kid: 'a1', state: 'active' });
    // Another service's kid is not this service's.
    await expect(promoteConnectorKey(t.db, 'github', 'a1', 'n1', 300)).rejects.toThrow(
      'connector key a1 of github is not active',
    );
    await t.db.tx((q) => promoteConnectorKey(q, 'sf', 'a1', 'n1', 300));
    const listed = await listConnectorKeys(t.db, 'sf');
    expect(listed.map((k) => [k.kid, k.state])).toEqual([
      ['n1', 'active'],
      ['a1', 'retired'],
      ['r2', 'retired'],
      ['r1', 'retired'],
    ]);
    expect(listed[0]!.activatedAt).toBe(300);
    expect(listed[1]!.retiredAt).toBe(300);
  });

  it('prunes retired keys beyond the newest `keep` of that service only', async () => {
    await insertConnectorKey(t.db, key('github', 'gr', { retiredAt: 1 }));
    expect(await pruneRetiredConnectorKeys(t.db, 'sf', 1)).toEqual(['r1', 'r2']);
    expect((await listConnectorKeys(t.db, 'sf')).map((k) => k.kid)).toEqual(['n1', 'a1']);
    expect(await pruneRetiredConnectorKeys(t.db, 'sf', 0)).toEqual(['a1']);
    expect((await listConnectorKeys(t.db, 'github')).map((k) => k.kid)).toEqual(['g1', 'gn', 'gr']);
  });

  it('lockConnectorKeys holds the connector-keys lock until the transaction ends', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = t.db.tx(async (q) => {
      await lockConnectorKeys(q);
      locked();
      await held;
    });
    await isLocked;
    const [sql, params] = tryLockSql('connectorKeys');
    const taken = () => t.db.tx(async (q) => (await q.query<{ taken: boolean }>(sql, params)).rows[0]!.taken);
    expect(await taken()).toBe(false);
    release();
    await holder;
    expect(await taken()).toBe(true);
  });
});

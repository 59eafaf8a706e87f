/**
 * Connector keys (src/keys/connector-keys.ts) on real Postgres: one active and one next RS256 key per
 * service, sealed under the KEK and bound to their service, rotated next → active, seen by a
 * running store after its refresh; a sealed key moved to another service's row does not open.
 */
import { randomBytes, X509Certificate, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConnectorKeyStore,
  ensureConnectorKeys,
  openConnectorKey,
  rotateConnectorKeys,
} from '../../src/keys/connector-keys.js';
import { listConnectorKeys } from '../../src/store/connector-keys.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const kek = randomBytes(32);
const T0 = 1_764_140_000;

describe('connector keys', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('creates one active and one next key per service, once, with a certificate for each key', async () => {
    const created = await t.db.tx((q) => ensureConnectorKeys(q, kek, 'salesforce', T0));
    expect(created).toHaveLength(2);
    expect(await t.db.tx((q) => ensureConnectorKeys(q, kek, 'salesforce', T0))).toEqual([]);
    const rows = await listConnectorKeys(t.db, 'salesforce');
    expect(rows.map((r) => r.state)).toEqual(['active', 'next']);
    for (const row of rows) {
      expect(row.alg).toBe('RS256');
      expect(Object.keys(row.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      expect(row.privateEnc).not.toContain(row.publicJwk.n!.slice(0, 20));
      const cert = new X509Certificate(row.certificatePem);
      expect(cert.subject).toBe('CN=Mandate connector salesforce');
      expect(cert.checkPrivateKey(openConnectorKey(kek, row))).toBe(true);
      expect(cert.publicKey.export({ format: 'jwk' })).toMatchObject({
        n: row.publicJwk.n,
        e: row.publicJwk.e,
      });
    }
  });

  it('refuses a sealed key moved to another service, or opened with another KEK', async () => {
    const [row] = await listConnectorKeys(t.db, 'salesforce');
    expect(() => openConnectorKey(kek, { ...row!, service: 'workday' })).toThrow(/failed authentication/);
    expect(() => openConnectorKey(randomBytes(32), row!)).toThrow(/another key-encryption key/);
  });

  it('rotates next → active; a running store signs with the new key after its refresh', async () => {
    const store = await createConnectorKeyStore({
      db: t.db,
      kek,
      services: ['salesforce', 'hr'],
      now: () => T0,
    });
    try {
      const before = await listConnectorKeys(t.db, 'salesforce');
      expect(store.signingKey('salesforce').kid).toBe(before[0]!.kid);
      expect(store.signingKey('hr').kid).not.toBe(before[0]!.kid);
      expect(() => store.signingKey('unknown')).toThrow('no connector key for service unknown');

      const r = await rotateConnectorKeys(t.db, kek, 'salesforce', T0 + 100);
      expect(r).toMatchObject({ activated: before[1]!.kid, retired: before[0]!.kid, removed: [] });
      expect(store.signingKey('salesforce').kid).toBe(before[0]!.kid);
      await store.refresh();
      const key = store.signingKey('salesforce');
      expect(key.kid).toBe(before[1]!.kid);
      expect(createPublicKey(key.privateKey).export({ format: 'jwk' }).n).toBe(before[1]!.publicJwk.n);
      const after = await listConnectorKeys(t.db, 'salesforce');
      expect(after.map((k) => [k.kid, k.state])).toEqual([
        [before[1]!.kid, 'active'],
        [r.next, 'next'],
        [before[0]!.kid, 'retired'],
      ]);
    } finally {
      store.close();
    }
  });

  it('keeps the three most recent retired keys', async () => {
    const removed: string[] = [];
    for (let i = 0; i < 4; i++)
      removed.push(...(await rotateConnectorKeys(t.db, kek, 'salesforce', T0 + 200 + i)).removed);
    expect(removed).toHaveLength(2);
    const rows = await listConnectorKeys(t.db, 'salesforce');
    expect(rows.filter((k) => k.state === 'retired')).toHaveLength(3);
    expect(rows.some((k) => removed.includes(k.kid))).toBe(false);
  });
});

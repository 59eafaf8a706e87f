import { randomBytes, sign, verify } from 'node:crypto';
import { jwtVerify, SignJWT, createLocalJWKSet } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStore, type KeyStore } from '../../src/keys/keystore.js';
import { rotateKeys } from '../../src/keys/rotate.js';
import { createMemoryLogger } from '../../src/log.js';
import { listSigningKeys } from '../../src/store/signing-keys.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const kek = randomBytes(32);

describe('keystore', () => {
  let t: TestDatabase;
  const stores: KeyStore[] = [];
  const open = async (over: Partial<Parameters<typeof createKeyStore>[0]> = {}): Promise<KeyStore> => {
    const s = await createKeyStore({
      db: t.db,
      kek,
      maxTokenTtlSeconds: 3600,
      log: createMemoryLogger(),
      ...over,
    });
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('creates one active and one next key on first start, even when instances start together', async () => {
    const [a, b, c] = await Promise.all([open(), open(), open()]);
    const rows = await listSigningKeys(t.db);
    expect(rows.map((r) => r.state)).toEqual(['active', 'next']);
    for (const s of [a!, b!, c!]) expect(s.signingKey().kid).toBe(rows[0]!.kid);
    // A later start finds them and creates nothing.
    await open();
    expect(await listSigningKeys(t.db)).toEqual(rows);
  });

  it('publishes active and next, public members only, and signs with the active key', async () => {
    const s = await open();
    const rows = await listSigningKeys(t.db);
    const jwks = s.jwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([rows[0]!.kid, rows[1]!.kid]);
    for (const k of jwks.keys) {
      expect(Object.keys(k).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    }
    expect(JSON.stringify(jwks)).not.toContain('"d"');

    const key = s.signingKey();
    expect(key.alg).toBe('ES256');
    expect(key.kid).toBe(rows.find((r) => r.state === 'active')!.kid);
    expect(key.privateKey.type).toBe('private');
    expect([...s.publicKeys().keys()]).toEqual(jwks.keys.map((k) => k.kid));

    const jwt = await new SignJWT({ scope: 'crm.read' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer('https://mandate.example')
      .setExpirationTime('5m')
      .sign(key.privateKey);
    const { protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), { algorithms: ['ES256'] });
    expect(protectedHeader.kid).toBe(key.kid);

    const data = Buffer.from('payload');
    const sig = sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(
      verify('sha256', data, { key: s.publicKeys().get(key.kid)!, dsaEncoding: 'ieee-p1363' }, sig),
    ).toBe(true);
  });

  it('picks up a rotation made elsewhere on its own, through the periodic refresh', async () => {
    const s = await open({ refreshSeconds: 0.05 });
    const before = s.signingKey().kid;
    const r = await rotateKeys({ db: t.db, kek, maxTokenTtlSeconds: 3600 });
    expect(r.retired).toBe(before);
    await expect.poll(() => s.signingKey().kid, { timeout: 5_000 }).toBe(r.activated);
    await expect
      .poll(() => s.jwks().keys.map((k) => k.kid), { timeout: 5_000 })
      .toEqual([r.activated, r.next, before]);
  });

  it('refuses to start with a KEK that does not open the active key', async () => {
    await expect(open({ kek: randomBytes(32) })).rejects.toThrow(
      /was sealed under another key-encryption key/,
    );
  });

  it('refuses a non-positive token lifetime', async () => {
    await expect(open({ maxTokenTtlSeconds: 0 })).rejects.toThrow(
      'maxTokenTtlSeconds must be a positive number of seconds',
    );
  });
});

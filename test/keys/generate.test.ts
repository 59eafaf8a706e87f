// Mandate's signing keys: ES256 on P-256, the kid the RFC 7638 thumbprint, the public JWK with no
// private member, the private key sealed under the KEK for its kid; and ensureSigningKeys creating
// exactly the missing active/next pair, once, even when instances start together (real Postgres).
import { createPrivateKey, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSigningKeys, generateSigningKey, publicJwkOf, SIGNING_ALG } from '../../src/keys/generate.js';
import { open } from '../../src/keys/kek.js';
import { listSigningKeys } from '../../src/store/signing-keys.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const kek = randomBytes(32);
const T0 = 1_764_140_000;

describe('publicJwkOf', () => {
  it('publishes only the public members, with kid, alg and use', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'X', y: 'Y', d: 'SECRET', ext: true, key_ops: ['sign'] };
    expect(publicJwkOf(jwk, 'k1')).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: 'X',
      y: 'Y',
      kid: 'k1',
      alg: 'ES256',
      use: 'sig',
    });
  });
});

describe('generateSigningKey', () => {
  it('makes an ES256 key named by its thumbprint, its private part sealed', async () => {
    const k = await generateSigningKey(kek, 'active', T0);
    expect(SIGNING_ALG).toBe('ES256');
    expect(k.alg).toBe('ES256');
    expect(k.publicJwk).not.toHaveProperty('d');
    expect(k.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: k.kid, alg: 'ES256', use: 'sig' });
    expect(k.kid).toBe(await calculateJwkThumbprint(k.publicJwk, 'sha256'));
    const der = open(kek, k.kid, k.privateEnc);
    const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    expect(priv.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(k.privateEnc).not.toContain(der.toString('base64url'));
    expect(() => open(randomBytes(32), k.kid, k.privateEnc)).toThrow();
  });

  it('records when the key became active: now for active, never for next', async () => {
    const active = await generateSigningKey(kek, 'active', T0);
    const next = await generateSigningKey(kek, 'next', T0);
    expect(active).toMatchObject({
      state: 'active',
      createdAt: T0,
      activatedAt: T0,
      retiredAt: null,
      expiresAt: null,
    });
    expect(next).toMatchObject({ state: 'next', createdAt: T0, activatedAt: null });
    expect(next.kid).not.toBe(active.kid);
  });
});

describe('ensureSigningKeys', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('creates an active and a next key once, and nothing when both exist', async () => {
    const created = await t.db.tx((q) => ensureSigningKeys(q, kek, T0));
    expect(created).toHaveLength(2);
    const keys = await listSigningKeys(t.db);
    expect(keys.map((k) => k.state).sort()).toEqual(['active', 'next']);
    expect(keys.map((k) => k.kid).sort()).toEqual([...created].sort());
    expect(await t.db.tx((q) => ensureSigningKeys(q, kek, T0 + 10))).toEqual([]);
  });

  it('creates one pair when instances start together', async () => {
    const other = await createTestDatabase();
    try {
      const runs = await Promise.all(
        Array.from({ length: 4 }, () => other.db.tx((q) => ensureSigningKeys(q, kek, T0))),
      );
      expect(runs.flat()).toHaveLength(2);
      expect((await listSigningKeys(other.db)).length).toBe(2);
    } finally {
      await other.drop();
    }
  });
});

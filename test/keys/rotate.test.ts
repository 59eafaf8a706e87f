import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStore, type KeyStore } from '../../src/keys/keystore.js';
import { rotateKeys } from '../../src/keys/rotate.js';
import { createMemoryLogger } from '../../src/log.js';
import { listSigningKeys } from '../../src/store/signing-keys.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const kek = randomBytes(32);
const TTL = 3600;
const SKEW = 60;
const T0 = 1_764_140_000;

describe('key rotation', () => {
  let t: TestDatabase;
  let clock = T0;
  const now = (): number => clock;
  const stores: KeyStore[] = [];
  const open = async (): Promise<KeyStore> => {
    const s = await createKeyStore({
      db: t.db,
      kek,
      maxTokenTtlSeconds: TTL,
      log: createMemoryLogger(),
      now,
    });
    stores.push(s);
    return s;
  };
  const rotate = () => rotateKeys({ db: t.db, kek, maxTokenTtlSeconds: TTL, skewSeconds: SKEW, now });
  const kids = (s: KeyStore) => s.jwks().keys.map((k) => k.kid);

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('signs only with keys published before, keeps retired keys until expiry, then removes them', async () => {
    const a = await open();
    const b = await open();
    const [k1, k2] = kids(a) as [string, string];
    expect(a.signingKey().kid).toBe(k1);

    clock = T0 + 1000;
    const r1 = await rotate();
    expect(r1).toMatchObject({ activated: k2, retired: k1, removed: [] });
    const k3 = r1.next;

    // The second instance still signs with k1 until it refreshes; then it sees the rotation.
    expect(b.signingKey().kid).toBe(k1);
    await b.refresh();
    expect(b.signingKey().kid).toBe(k2);
    expect(kids(b)).toEqual([k2, k3, k1]);
    const rows = await listSigningKeys(t.db);
    expect(rows.find((r) => r.kid === k1)).toMatchObject({
      state: 'retired',
      retiredAt: T0 + 1000,
      expiresAt: T0 + 1000 + TTL + SKEW,
    });

    // Retired k1 stays verifiable until its last token can have expired, then leaves the JWKS.
    clock = T0 + 1000 + TTL + SKEW - 1;
    expect(kids(b)).toContain(k1);
    expect(b.publicKeys().has(k1)).toBe(true);
    clock = T0 + 1000 + TTL + SKEW;
    expect(kids(b)).toEqual([k2, k3]);
    expect(b.publicKeys().has(k1)).toBe(false);

    // The next rotation promotes k3, which has been published since the previous one, and deletes k1.
    const r2 = await rotate();
    expect(r2).toMatchObject({ activated: k3, retired: k2, removed: [k1] });
    await a.refresh();
    expect(a.signingKey().kid).toBe(k3);
    expect(kids(a)).toEqual([k3, r2.next, k2]);
    expect((await listSigningKeys(t.db)).map((r) => r.kid).sort()).toEqual([k2, k3, r2.next].sort());
  });

  it('refuses to promote a next key younger than minNextAgeSeconds', async () => {
    clock += 10;
    const before = await listSigningKeys(t.db);
    await expect(
      rotateKeys({ db: t.db, kek, maxTokenTtlSeconds: TTL, now, minNextAgeSeconds: 300 }),
    ).rejects.toThrow(/^next key [\w-]+ was published 10 s ago; verifiers may not have fetched it yet/);
    expect(await listSigningKeys(t.db)).toEqual(before);
  });

  it('refuses to rotate with the wrong KEK and changes nothing', async () => {
    const before = await listSigningKeys(t.db);
    await expect(
      rotateKeys({ db: t.db, kek: randomBytes(32), maxTokenTtlSeconds: TTL, now }),
    ).rejects.toThrow(/was sealed under another key-encryption key/);
    expect(await listSigningKeys(t.db)).toEqual(before);
  });

  it('gives a clear error when a sealed key was tampered with', async () => {
    const s = await open();
    const active = s.signingKey().kid;
    const row = (await listSigningKeys(t.db)).find((r) => r.kid === active)!;
    const parts = row.privateEnc.split('.');
    const tag = Buffer.from(parts[4]!, 'base64url');
    tag[0]! ^= 0xff;
    parts[4] = tag.toString('base64url');
    await t.db.query('UPDATE signing_keys SET private_enc = $2 WHERE kid = $1', [active, parts.join('.')]);
    // A fresh instance has to unseal it and refuses; a running one keeps its decrypted key.
    await expect(open()).rejects.toThrow(
      `signing key ${active}: sealed private key failed authentication (tampered with, or moved from another row)`,
    );
    await s.refresh();
    expect(s.signingKey().kid).toBe(active);
  });
});

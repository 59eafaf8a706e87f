import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerRepo, type TrustedIssuerRecord } from '../../src/store/issuers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const issuer = (iss: string, over: Partial<TrustedIssuerRecord> = {}): TrustedIssuerRecord => ({
  issuer: iss,
  jwksUri: `${iss}/jwks`,
  jwks: null,
  algorithms: ['RS256', 'ES256'],
  tokenTypes: ['urn:ietf:params:oauth:token-type:id_token'],
  groupsClaim: null,
  scopesClaim: null,
  scopesWhenAbsent: 'none',
  source: 'config',
  ...over,
});

describe('trusted issuer repository', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('syncs configured issuers, lists them in order, and leaves other sources alone', async () => {
    const repo = createIssuerRepo(t.db);
    // Migration 010: how its tokens carry scopes round-trips too.
    const okta = issuer('https://okta.example', {
      groupsClaim: 'groups',
      scopesClaim: 'permissions',
      scopesWhenAbsent: 'policy',
    });
    const entra = issuer('https://entra.example', {
      jwksUri: null,
      jwks: { keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', kid: 'k1' }] },
    });
    expect(await repo.syncFromConfig([okta, entra])).toEqual({ upserted: 2, removed: 0 });
    expect(await repo.list()).toEqual([entra, okta]);
    expect(await repo.get('https://okta.example')).toEqual(okta);

    await t.db.query(
      `INSERT INTO trusted_issuers (issuer, jwks_uri, source) VALUES ('https://partner.example', 'https://partner.example/jwks', 'admin')`,
    );
    const okta2 = { ...okta, algorithms: ['ES256'] };
    expect(await repo.syncFromConfig([okta2])).toEqual({ upserted: 1, removed: 1 });
    expect((await repo.list()).map((i) => i.issuer)).toEqual([
      'https://okta.example',
      'https://partner.example',
    ]);
    expect(await repo.get('https://okta.example')).toEqual(okta2);
    expect(await repo.get('https://entra.example')).toBeUndefined();
  });

  it('refuses an issuer with neither jwks nor jwks_uri', async () => {
    const repo = createIssuerRepo(t.db);
    await expect(repo.syncFromConfig([issuer('https://nokeys.example', { jwksUri: null })])).rejects.toThrow(
      /check constraint/,
    );
  });

  it('answers a lookup by an issuer no row can hold (U+0000, lone surrogate, empty, overlong) as untrusted', async () => {
    const repo = createIssuerRepo(t.db);
    for (const iss of ['nul\u0000id', 'lone\ud800', '', 'x'.repeat(5000)])
      expect(await repo.get(iss)).toBeUndefined();
  });
});

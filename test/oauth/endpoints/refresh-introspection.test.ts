/**
 * Refresh tokens as introspection sees them, against the real grant store (Postgres): found by the
 * hash of the presented value, usable only while unrotated and while the grant is not revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokenViews } from '../../../src/oauth/endpoints/refresh-introspection.js';
import { newOpaqueValue, opaqueHash } from '../../../src/oauth/tokens/opaque-secret.js';
import { createAuthorizationCodeRepo } from '../../../src/store/authorization-codes.js';
import { createGrantRepo, type GrantRepo } from '../../../src/store/grants.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

let t: TestDatabase;
let grants: GrantRepo;
beforeAll(async () => {
  t = await createTestDatabase();
  grants = createGrantRepo(t.db);
});
afterAll(async () => {
  await t?.drop();
});

/** A grant started from a code, with a refresh token whose value is returned. */
async function started(id: string): Promise<string> {
  const rt = newOpaqueValue();
  await createAuthorizationCodeRepo(t.db).insert({
    codeHash: `code-${id}`,
    grantId: id,
    clientId: 'agent',
    redirectUri: 'https://agent.example/cb',
    redirectUriSent: true,
    codeChallenge: 'c',
    resource: 'https://api.example',
    scope: 'read offline_access',
    subject: { sub: 'alice', iss: 'https://idp.example', groups: [], claims: {} },
    authTime: 1_000,
    dpopJkt: null,
    decisionId: null,
    createdAt: 1_000,
    expiresAt: 1_060,
  });
  const grant = {
    grantId: id,
    clientId: 'agent',
    sub: 'alice',
    iss: 'https://idp.example',
    resource: 'https://api.example',
    scope: 'read offline_access',
    authTime: 1_000,
    dpopJkt: null,
    createdAt: 1_010,
    expiresAt: 90_000,
    revokedAt: null,
    revokedReason: null,
  };
  const ok = await grants.startFromCode(
    `code-${id}`,
    grant,
    { jti: `at-${id}`, exp: 2_000 },
    { tokenHash: opaqueHash(rt), scope: 'read offline_access' },
  );
  expect(ok).toBe(true);
  return rt;
}

describe('refreshTokenViews', () => {
  it("shows a live refresh token as usable, with its grant's client, subject, resource and expiry", async () => {
    const rt = await started('g1');
    const view = await refreshTokenViews(grants)(rt);
    expect(view).toEqual({
      clientId: 'agent',
      sub: 'alice',
      resource: 'https://api.example',
      scope: 'read offline_access',
      iat: expect.any(Number),
      exp: 90_000,
      usable: true,
    });
  });

  it('knows nothing of a value it never issued, nor of the stored hash presented as a token', async () => {
    const rt = await started('g2');
    const views = refreshTokenViews(grants);
    expect(await views(newOpaqueValue())).toBeUndefined();
    expect(await views(opaqueHash(rt))).toBeUndefined();
  });

  it('shows a rotated token as not usable, its successor as usable', async () => {
    const rt = await started('g3');
    const next = newOpaqueValue();
    expect(
      await grants.rotate(
        opaqueHash(rt),
        'g3',
        2_000,
        { tokenHash: opaqueHash(next), scope: 'read', sealed: 's' },
        { jti: 'at-g3b', exp: 3_000 },
      ),
    ).toBe('rotated');
    const views = refreshTokenViews(grants);
    expect((await views(rt))?.usable).toBe(false);
    expect(await views(next)).toMatchObject({ usable: true, scope: 'read', iat: 2_000 });
  });

  it('shows every token of a revoked grant as not usable', async () => {
    const rt = await started('g4');
    await grants.revoke('g4', 3_000, 'revocation_request');
    expect((await refreshTokenViews(grants)(rt))?.usable).toBe(false);
  });
});

/**
 * createFirstHopService from configuration: without UPSTREAM_OIDC_ISSUER a development IdP at
 * <issuer>/dev-idp whose client secret derives from the KEK; with it, the enterprise IdP and no
 * development IdP; the protected resources' scopes and the first hop's lifetimes from config.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createFirstHopService } from '../../src/wiring/first-hop.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const ENV = { MANDATE_ISSUER: 'http://localhost:8080', MANDATE_CONFIG: 'examples/mandate.json' };
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

function build(env: Record<string, string> = {}, kek: Uint8Array = randomBytes(32)) {
  const lines: Record<string, unknown>[] = [];
  const config = loadConfig({ ...ENV, ...env });
  const svc = createFirstHopService({
    config,
    db: t.db,
    kek,
    now: () => 1_000,
    log: createLogger('info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>)),
  });
  return { svc, lines, config };
}

describe('createFirstHopService', () => {
  it('without an enterprise IdP mounts the development IdP, its client secret derived from the KEK', () => {
    const kek = randomBytes(32);
    const { svc, lines } = build({}, kek);
    const dev = svc.http.devIdp!;
    expect(dev.issuer).toBe('http://localhost:8080/dev-idp');
    expect(dev.clientId).toBe('mandate');
    expect(build({}, kek).svc.http.devIdp!.clientSecret).toBe(dev.clientSecret);
    expect(build().svc.http.devIdp!.clientSecret).not.toBe(dev.clientSecret);
    expect(dev.clientSecret).not.toContain(Buffer.from(kek).toString('base64url'));
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'login: no UPSTREAM_OIDC_ISSUER, so users log in at the development IdP (demo users only)',
        issuer: dev.issuer,
      }),
    );
  });

  it('with UPSTREAM_OIDC_ISSUER there is no development IdP, and the enterprise IdP is logged', () => {
    const { svc, lines } = build({
      UPSTREAM_OIDC_ISSUER: 'https://login.example.com',
      UPSTREAM_OIDC_CLIENT_ID: 'mandate-app',
      UPSTREAM_OIDC_CLIENT_SECRET: 'secret',
    });
    expect(svc.http.devIdp).toBeUndefined();
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'login: users log in at the enterprise IdP',
        issuer: 'https://login.example.com',
      }),
    );
  });

  it("advertises the protected resources' scopes once each and takes the lifetimes from config", () => {
    const { svc, config } = build({ MANDATE_AUTH_CODE_TTL: '120' });
    const expected = [...new Set(svc.firstHop.resources.all().flatMap((r) => r.scopesSupported))];
    expect(svc.http.scopesSupported).toEqual(expected);
    expect(svc.http.scopesSupported).toEqual(
      expect.arrayContaining(['crm.read', 'crm.write', 'hr.profile.read']),
    );
    expect(new Set(svc.http.scopesSupported).size).toBe(svc.http.scopesSupported.length);
    expect(svc.firstHop).toMatchObject({
      authCodeTtl: 120,
      accessTokenTtl: config.firstHop.accessTokenTtl,
      refreshTokenTtl: config.firstHop.refreshTokenTtl,
      refreshGrace: config.firstHop.refreshGrace,
    });
  });

  it('its stores are the database: a revoked access token is marked revoked there', async () => {
    const { svc } = build();
    await t.db.query(
      `INSERT INTO issued_tokens (jti, sub, client_id, aud, scope, iat, exp, grant_type)
       VALUES ('fh-1', 'alice', 'c', $1, 's', 1, 9999999999, 'authorization_code')`,
      [['https://mcp.example']],
    );
    await svc.firstHop.revokeAccessToken('fh-1', 1_234);
    const row = await t.db.query<{ revoked_at: number }>(
      "SELECT revoked_at FROM issued_tokens WHERE jti = 'fh-1'",
    );
    expect(Number(row.rows[0]!.revoked_at)).toBe(1_234);
  });
});

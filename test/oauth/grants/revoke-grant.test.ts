/**
 * Revoking a grant against the real grant store and the real audit outbox (Postgres): the family and
 * its access tokens go, `reused` then one `revoked` event per access token are recorded, and the
 * revocation stands when the audit log cannot take the events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxAudit } from '../../../src/audit/outbox.js';
import { createMemoryLogger } from '../../../src/log.js';
import type { OAuthContext } from '../../../src/oauth/context.js';
import { revokeGrant } from '../../../src/oauth/grants/revoke-grant.js';
import { createAuthorizationCodeRepo } from '../../../src/store/authorization-codes.js';
import { createGrantRepo, type GrantRepo } from '../../../src/store/grants.js';
import { insertIssuedToken } from '../../../src/store/tokens.js';
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

async function started(id: string): Promise<void> {
  await createAuthorizationCodeRepo(t.db).insert({
    codeHash: `code-${id}`,
    grantId: id,
    clientId: 'agent',
    redirectUri: 'https://agent.example/cb',
    redirectUriSent: true,
    codeChallenge: 'c',
    resource: 'https://api.example',
    scope: 'read',
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
    scope: 'read',
    authTime: 1_000,
    dpopJkt: null,
    createdAt: 1_010,
    expiresAt: 90_000,
    revokedAt: null,
    revokedReason: null,
  };
  expect(
    await grants.startFromCode(
      `code-${id}`,
      grant,
      { jti: `at-${id}`, exp: 2_000 },
      { tokenHash: `rt-${id}`, scope: 'read' },
    ),
  ).toBe(true);
  // The access token issued with the code, as the token endpoint records it.
  await insertIssuedToken(t.db, {
    jti: `at-${id}`,
    sub: 'alice',
    client_id: 'agent',
    aud: ['https://api.example'],
    scope: 'read',
    iat: 1_010,
    exp: 2_000,
    grant_type: 'authorization_code',
  });
}

function context(
  audit = createOutboxAudit({ db: t.db, source: 'https://mandate.example', log: createMemoryLogger() }),
) {
  const log = createMemoryLogger();
  return { ctx: { now: () => 5_000, audit, log } as unknown as OAuthContext, log, audit };
}

describe('revokeGrant', () => {
  it("revokes a replayed refresh token's grant and records reused, then revoked per access token", async () => {
    await started('g1');
    const { ctx, audit } = context();
    const before = Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
    expect(await revokeGrant(ctx, grants, 'g1', 'agent', 'alice', 'refresh_reused', 'refresh_token')).toEqual(
      ['at-g1'],
    );
    await audit.close();
    expect((await grants.get('g1'))?.revokedAt).toBe(5_000);
    expect((await grants.findRefreshToken('rt-g1'))?.grant.revokedReason).toBe('refresh_reused');
    const res = await t.db.query<{ event: { type: string; data: Record<string, unknown> } }>(
      'SELECT event FROM outbox WHERE sequence > $1 ORDER BY sequence',
      [before],
    );
    const data = res.rows.map((r) => r.event.data);
    expect(data).toHaveLength(2);
    expect(data[0]).toMatchObject({ client_id: 'agent', sub: 'alice', reason: 'refresh_reused' });
    expect(data[1]).toMatchObject({
      client_id: 'agent',
      sub: 'alice',
      jti: 'at-g1',
      reason: 'refresh_reused',
    });
    expect(res.rows.map((r) => r.event.type)).toEqual([
      'dev.mandate.token.reused',
      'dev.mandate.token.revoked',
    ]);
  });

  it('records no reuse for a revocation request, and nothing when the grant is already revoked', async () => {
    await started('g2');
    const { ctx, audit } = context();
    const count = async () =>
      Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
    const before = await count();
    expect(await revokeGrant(ctx, grants, 'g2', 'agent', 'alice', 'revocation_request', 'revoke')).toEqual([
      'at-g2',
    ]);
    expect(await count()).toBe(before + 1);
    expect(await revokeGrant(ctx, grants, 'g2', 'agent', 'alice', 'revocation_request', 'revoke')).toEqual(
      [],
    );
    expect(await count()).toBe(before + 1);
    await audit.close();
  });

  it('keeps the revocation when the audit log cannot take the events, and logs that', async () => {
    await started('g3');
    const closed = createOutboxAudit({
      db: t.db,
      source: 'https://mandate.example',
      log: createMemoryLogger(),
    });
    await closed.close();
    const { ctx, log } = context(closed);
    expect(
      await revokeGrant(ctx, grants, 'g3', 'agent', 'alice', 'code_replayed', 'authorization_code'),
    ).toEqual(['at-g3']);
    expect((await grants.get('g3'))?.revokedReason).toBe('code_replayed');
    expect(log.lines).toMatchObject([
      { level: 'error', msg: 'could not record a grant revocation', fields: { grant: 'g3' } },
    ]);
  });
});

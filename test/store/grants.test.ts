import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizationCodeRepo } from '../../src/store/authorization-codes.js';
import { createGrantRepo, type GrantRecord } from '../../src/store/grants.js';
import { insertIssuedToken } from '../../src/store/tokens.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const grant = (grantId: string): GrantRecord => ({
  grantId,
  clientId: 'agent',
  sub: 'alice',
  iss: 'https://idp.example',
  resource: 'https://api.example',
  scope: 'crm.read offline_access',
  authTime: 1_000,
  dpopJkt: 'jkt',
  createdAt: 1_010,
  expiresAt: 90_000,
  revokedAt: null,
  revokedReason: null,
});

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

async function codeFor(hash: string): Promise<void> {
  await createAuthorizationCodeRepo(t.db).insert({
    codeHash: hash,
    grantId: `g-${hash}`,
    clientId: 'agent',
    redirectUri: 'https://agent.example/cb',
    redirectUriSent: true,
    codeChallenge: 'c',
    resource: 'https://api.example',
    scope: 'crm.read offline_access',
    subject: { sub: 'alice', iss: 'https://idp.example', groups: [], claims: {} },
    authTime: 1_000,
    dpopJkt: null,
    decisionId: null,
    createdAt: 1_000,
    expiresAt: 1_060,
  });
}

/** A grant started from a fresh code, with refresh token `rt-<id>` and access token `at-<id>`. */
async function started(id: string): Promise<void> {
  await codeFor(`code-${id}`);
  const ok = await createGrantRepo(t.db).startFromCode(
    `code-${id}`,
    grant(id),
    { jti: `at-${id}`, exp: 2_000 },
    { tokenHash: `rt-${id}`, scope: 'crm.read offline_access' },
  );
  expect(ok).toBe(true);
}

describe('grant repository', () => {
  it('starts a grant from a redeemed code, with its refresh token findable', async () => {
    await started('g1');
    const repo = createGrantRepo(t.db);
    expect(await repo.get('g1')).toEqual(grant('g1'));
    expect(await repo.findRefreshToken('rt-g1')).toEqual({
      grant: grant('g1'),
      token: {
        tokenHash: 'rt-g1',
        grantId: 'g1',
        scope: 'crm.read offline_access',
        createdAt: 1_010,
        rotatedAt: null,
        successorHash: null,
        successorSealed: null,
      },
    });
    expect(await repo.get('nope')).toBeUndefined();
    expect(await repo.findRefreshToken('nope')).toBeUndefined();
  });

  it('does not start a grant from a code that was replayed, or that does not exist', async () => {
    const repo = createGrantRepo(t.db);
    await codeFor('code-replayed');
    const codes = createAuthorizationCodeRepo(t.db);
    await codes.consume('code-replayed', 1);
    await codes.consume('code-replayed', 2);
    expect(await repo.startFromCode('code-replayed', grant('g2'), { jti: 'at-g2', exp: 1 }, undefined)).toBe(
      false,
    );
    expect(await repo.startFromCode('code-missing', grant('g3'), { jti: 'at-g3', exp: 1 }, undefined)).toBe(
      false,
    );
    expect(await repo.get('g2')).toBeUndefined();
    expect(await repo.get('g3')).toBeUndefined();
  });

  it('rotation is a compare-and-swap: one of concurrent refreshes wins, the rest lose', async () => {
    await started('g4');
    const repo = createGrantRepo(t.db);
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        repo.rotate(
          'rt-g4',
          'g4',
          1_100 + i,
          { tokenHash: `rt-g4-${i}`, scope: 's', sealed: `sealed-${i}` },
          {
            jti: `at-g4-${i}`,
            exp: 3_000,
          },
        ),
      ),
    );
    expect(results.filter((r) => r === 'rotated')).toHaveLength(1);
    expect(results.filter((r) => r === 'lost')).toHaveLength(3);
    const winner = results.indexOf('rotated') + 1;
    const old = await repo.findRefreshToken('rt-g4');
    // The loser finds the winner's successor and sealed response on the rotated token.
    expect(old?.token).toMatchObject({
      rotatedAt: 1_100 + winner,
      successorHash: `rt-g4-${winner}`,
      successorSealed: `sealed-${winner}`,
    });
    expect((await repo.findRefreshToken(`rt-g4-${winner}`))?.token).toMatchObject({
      grantId: 'g4',
      scope: 's',
    });
    for (const i of [1, 2, 3, 4].filter((i) => i !== winner))
      expect(await repo.findRefreshToken(`rt-g4-${i}`)).toBeUndefined();
  });

  it('revoke revokes the family once and every access token issued under it', async () => {
    await started('g5');
    const repo = createGrantRepo(t.db);
    expect(
      await repo.rotate(
        'rt-g5',
        'g5',
        1_200,
        { tokenHash: 'rt-g5-2', scope: 's', sealed: 'x' },
        { jti: 'at-g5-2', exp: 3_000 },
      ),
    ).toBe('rotated');
    const issued = (jti: string) => ({
      jti,
      sub: 'alice',
      client_id: 'agent',
      aud: ['https://api.example'],
      scope: 's',
      iat: 1_000,
      exp: 3_000,
      grant_type: 'refresh_token',
    });
    for (const jti of ['at-g5', 'at-g5-2', 'unrelated']) await insertIssuedToken(t.db, issued(jti));
    const res = await repo.revoke('g5', 1_300, 'refresh_token_reuse');
    expect({ ...res, jtis: res.jtis.sort() }).toEqual({ revoked: true, jtis: ['at-g5', 'at-g5-2'] });
    expect(await repo.get('g5')).toMatchObject({ revokedAt: 1_300, revokedReason: 'refresh_token_reuse' });
    const unrelated = await t.db.query<{ revoked_at: number | null }>(
      "SELECT revoked_at FROM issued_tokens WHERE jti = 'unrelated'",
    );
    expect(unrelated.rows[0]!.revoked_at).toBeNull();
    // Again: nothing new, and the first reason and time stay.
    expect(await repo.revoke('g5', 1_400, 'rfc7009')).toEqual({ revoked: false, jtis: [] });
    expect(await repo.get('g5')).toMatchObject({ revokedAt: 1_300, revokedReason: 'refresh_token_reuse' });
  });

  it('a revoked or unknown grant does not rotate', async () => {
    const repo = createGrantRepo(t.db);
    const succ = { tokenHash: 'rt-g5-3', scope: 's', sealed: 'x' };
    expect(await repo.rotate('rt-g5-2', 'g5', 1_500, succ, { jti: 'at-g5-3', exp: 3_000 })).toBe('revoked');
    expect(await repo.rotate('rt-x', 'missing', 1_500, succ, { jti: 'at-x', exp: 3_000 })).toBe('revoked');
    expect(await repo.findRefreshToken('rt-g5-3')).toBeUndefined();
    expect((await repo.findRefreshToken('rt-g5-2'))?.token.rotatedAt).toBeNull();
  });
});

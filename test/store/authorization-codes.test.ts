import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuthorizationCodeRepo,
  type AuthorizationCodeRecord,
} from '../../src/store/authorization-codes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const code = (codeHash: string, over: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord => ({
  codeHash,
  grantId: `g-${codeHash}`,
  clientId: 'agent',
  redirectUri: 'https://agent.example/cb',
  redirectUriSent: true,
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  resource: 'https://api.example',
  scope: 'crm.read crm.write',
  subject: { sub: 'alice', iss: 'https://idp.example', groups: ['sales'], claims: { email: 'a@x' } },
  authTime: 1_700_000_000,
  dpopJkt: null,
  decisionId: 'd-1',
  createdAt: 1_700_000_000,
  expiresAt: 1_700_000_060,
  ...over,
});

describe('authorization code repository', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('the first redemption gets the code back exactly as stored', async () => {
    const repo = createAuthorizationCodeRepo(t.db);
    const c = code('c1', { redirectUriSent: false, dpopJkt: 'jkt-thumbprint', decisionId: null });
    await repo.insert(c);
    expect(await repo.consume('c1', 1_700_000_010)).toEqual({ status: 'consumed', code: c });
  });

  it('a later redemption is a replay, and the first replay time is kept', async () => {
    const repo = createAuthorizationCodeRepo(t.db);
    await repo.insert(code('c2'));
    expect((await repo.consume('c2', 10)).status).toBe('consumed');
    expect(await repo.consume('c2', 20)).toEqual({ status: 'replayed', code: code('c2') });
    expect((await repo.consume('c2', 30)).status).toBe('replayed');
    const row = await t.db.query<{ consumed_at: string; replayed_at: string }>(
      "SELECT consumed_at, replayed_at FROM authorization_codes WHERE code_hash = 'c2'",
    );
    expect(row.rows.map((r) => [Number(r.consumed_at), Number(r.replayed_at)])).toEqual([[10, 20]]);
  });

  it('of concurrent redemptions exactly one wins', async () => {
    const repo = createAuthorizationCodeRepo(t.db);
    await repo.insert(code('c3'));
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => repo.consume('c3', 100 + i)));
    expect(results.filter((r) => r.status === 'consumed')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'replayed')).toHaveLength(5);
  });

  it('a code never issued is unknown, and leaves no row', async () => {
    const repo = createAuthorizationCodeRepo(t.db);
    expect(await repo.consume('never', 1)).toEqual({ status: 'unknown' });
    const n = await t.db.query("SELECT 1 FROM authorization_codes WHERE code_hash = 'never'");
    expect(n.rows).toEqual([]);
  });

  it('a code hash is stored once: inserting it again fails', async () => {
    const repo = createAuthorizationCodeRepo(t.db);
    await repo.insert(code('c4'));
    await expect(repo.insert(code('c4', { grantId: 'other' }))).rejects.toThrow();
  });

  it('purgeExpired deletes codes expired before now, consumed or not, and counts them', async () => {
    const repo = createAuthorizationCodeRepo(t.db);
    await t.db.query('DELETE FROM authorization_codes');
    await repo.insert(code('old1', { expiresAt: 50 }));
    await repo.insert(code('old2', { expiresAt: 99 }));
    await repo.consume('old2', 60);
    await repo.insert(code('edge', { expiresAt: 100 }));
    await repo.insert(code('new', { expiresAt: 500 }));
    expect(await repo.purgeExpired(100)).toBe(2);
    const left = await t.db.query<{ code_hash: string }>(
      'SELECT code_hash FROM authorization_codes ORDER BY code_hash',
    );
    expect(left.rows.map((r) => r.code_hash)).toEqual(['edge', 'new']);
    expect(await repo.purgeExpired(100)).toBe(0);
  });
});

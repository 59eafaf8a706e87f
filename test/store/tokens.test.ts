import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type IssuedTokenRecord,
  getIssuedToken,
  insertIssuedToken,
  insertIssuedTokens,
  purgeExpiredTokens,
  revokeToken,
} from '../../src/store/tokens.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const base: IssuedTokenRecord = {
  jti: 'jti-1',
  sub: 'alice',
  client_id: 'mcp-salesforce',
  aud: ['https://api.salesforce.example'],
  scope: 'crm.read',
  iat: 1_764_140_000,
  exp: 1_764_140_300,
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
};

describe('issued tokens', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('inserts a batch in one statement, arrays and JSON intact', async () => {
    const later = { ...base, exp: 4_000_000_000 }; // outside the purge test's window
    const batch: IssuedTokenRecord[] = [
      { ...later, jti: 'batch-1' },
      {
        ...later,
        jti: 'batch-2',
        aud: ['x', 'y'],
        act: { sub: 'm', act: { sub: 'c' } },
        cnf_jkt: 'k',
        decision_id: 'd',
      },
    ];
    await insertIssuedTokens(t.db, batch);
    expect(await getIssuedToken(t.db, 'batch-1')).toEqual(batch[0]);
    expect(await getIssuedToken(t.db, 'batch-2')).toEqual(batch[1]);
    // A duplicate jti fails the whole statement: nothing of that batch is written.
    await expect(
      insertIssuedTokens(t.db, [
        { ...later, jti: 'batch-3' },
        { ...later, jti: 'batch-1' },
      ]),
    ).rejects.toThrow();
    expect(await getIssuedToken(t.db, 'batch-3')).toBeUndefined();
  });

  it('reports a token revoked when its grant was revoked before its issuance record was written', async () => {
    // The authorization-code replay race: the grant (and the jti it minted) exist, the grant is
    // revoked, and only then does the audit commit write the token's issuance record.
    await t.db.query(
      `INSERT INTO grants (grant_id, client_id, sub, iss, resource, scope, auth_time, created_at, expires_at)
       VALUES ('g-race', 'claude', 'alice', 'https://idp', 'https://mcp', 'crm.read', 1, 1, 4000000000)`,
    );
    await t.db.query(
      `INSERT INTO grant_access_tokens (grant_id, jti, exp) VALUES ('g-race', 'race-1', 4000000000)`,
    );
    await t.db.query(`UPDATE grants SET revoked_at = 1764140100 WHERE grant_id = 'g-race'`);
    await insertIssuedToken(t.db, { ...base, jti: 'race-1', exp: 4_000_000_000 });
    expect((await getIssuedToken(t.db, 'race-1'))?.revoked_at).toBe(1_764_140_100);
  });

  it('round-trips a minimal and a full record', async () => {
    await insertIssuedToken(t.db, base);
    expect(await getIssuedToken(t.db, 'jti-1')).toEqual(base);
    const full: IssuedTokenRecord = {
      ...base,
      jti: 'jti-2',
      aud: ['a', 'b'],
      act: { sub: 'mcp-salesforce', act: { sub: 'claude-desktop' } },
      cnf_jkt: 'thumb',
      decision_id: 'd-1',
    };
    await insertIssuedToken(t.db, full);
    expect(await getIssuedToken(t.db, 'jti-2')).toEqual(full);
    expect(await getIssuedToken(t.db, 'missing')).toBeUndefined();
  });

  it('inserts inside a transaction and rolls back with it', async () => {
    await expect(
      t.db.tx(async (q) => {
        await insertIssuedToken(q, { ...base, jti: 'jti-tx' });
        throw new Error('outbox write failed');
      }),
    ).rejects.toThrow('outbox write failed');
    expect(await getIssuedToken(t.db, 'jti-tx')).toBeUndefined();
    await t.db.tx((q) => insertIssuedToken(q, { ...base, jti: 'jti-tx' }));
    expect(await getIssuedToken(t.db, 'jti-tx')).toEqual({ ...base, jti: 'jti-tx' });
  });

  it('refuses a duplicate jti', async () => {
    await expect(insertIssuedToken(t.db, base)).rejects.toThrow(/duplicate key/);
  });

  it('revokes once', async () => {
    expect(await revokeToken(t.db, 'jti-1', 1_764_140_100)).toBe(true);
    expect(await revokeToken(t.db, 'jti-1', 1_764_140_200)).toBe(false);
    expect(await revokeToken(t.db, 'missing', 1_764_140_200)).toBe(false);
    expect((await getIssuedToken(t.db, 'jti-1'))?.revoked_at).toBe(1_764_140_100);
  });

  it('purges tokens that have expired', async () => {
    await insertIssuedToken(t.db, { ...base, jti: 'late', exp: 1_764_150_000 });
    expect(await purgeExpiredTokens(t.db, 1_764_140_301)).toBe(3);
    expect(await getIssuedToken(t.db, 'jti-1')).toBeUndefined();
    expect((await getIssuedToken(t.db, 'late'))?.exp).toBe(1_764_150_000);
  });

  it('answers a lookup or revocation by a jti no row can hold as unknown', async () => {
    for (const jti of ['nul\u0000id', 'lone\ud800', '', 'x'.repeat(5000)]) {
      expect(await getIssuedToken(t.db, jti)).toBeUndefined();
      expect(await revokeToken(t.db, jti, 1)).toBe(false);
    }
  });
});

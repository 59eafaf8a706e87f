import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { startHousekeeping } from '../../src/store/housekeeping.js';
import { migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite.js';
import type { Db } from '../../src/store/db.js';
import { insertIssuedToken } from '../../src/store/tokens.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const now = 1_764_140_000;

async function seed(db: Db): Promise<void> {
  await db.query(
    `INSERT INTO replay (namespace, key, expires_at) VALUES ('dpop:a', 'old', $1), ('dpop:a', 'live', $2)`,
    [now - 1, now + 60],
  );
  const token = { sub: 'alice', client_id: 'c', aud: ['a'], scope: 's', iat: now - 7200, grant_type: 'g' };
  await insertIssuedToken(db, { ...token, jti: 'long-expired', exp: now - 3601 });
  await insertIssuedToken(db, { ...token, jti: 'just-expired', exp: now - 10 });
  for (const [hash, expires] of [
    ['code-old', now - 86_401],
    ['code-recent', now - 60],
  ] as const)
    await db.query(
      `INSERT INTO authorization_codes (code_hash, grant_id, client_id, redirect_uri, code_challenge, resource, scope,
         subject, auth_time, created_at, expires_at)
       VALUES ($1, 'g', 'c', 'https://r', 'x', 'https://mcp', 's', '{}', 1, 1, $2)`,
      [hash, expires],
    );
  for (const [id, expires] of [
    ['grant-old', now - 1],
    ['grant-live', now + 3600],
  ] as const)
    await db.query(
      `INSERT INTO grants (grant_id, client_id, sub, iss, resource, scope, auth_time, created_at, expires_at)
       VALUES ($1, 'c', 'alice', 'https://idp', 'https://mcp', 's', 1, 1, $2)`,
      [id, expires],
    );
  // Rate-limit windows: one ended over a minute ago (the margin for clocks ahead), one just ended.
  await db.query(
    `INSERT INTO rate_limits (name, key, window_start, expires_at, hits)
     VALUES ('token', 'window-old', $1, $2, 3), ('token', 'window-recent', $3, $4, 3)`,
    [now - 121, now - 61, now - 70, now - 10],
  );
  for (const [id, expires] of [
    ['approval-old', now - 86_401],
    ['approval-recent', now - 60],
  ] as const)
    await db.query(
      `INSERT INTO approvals (id, auth_req_id_hash, client_id, sub, iss, obligation, input, decision, issuance,
         status, created_at, expires_at, poll_interval)
       VALUES ($1, $1, 'c', 'alice', 'https://idp', '{}', '{}', '{}', '{}', 'pending', 1, $2, 5)`,
      [id, expires],
    );
}

async function left(db: Db): Promise<Record<string, string[]>> {
  const col = async (sql: string) => (await db.query<{ k: string }>(sql)).rows.map((r) => r.k).sort();
  return {
    replay: await col('SELECT key AS k FROM replay'),
    issued_tokens: await col('SELECT jti AS k FROM issued_tokens'),
    authorization_codes: await col('SELECT code_hash AS k FROM authorization_codes'),
    grants: await col('SELECT grant_id AS k FROM grants'),
    rate_limits: await col('SELECT key AS k FROM rate_limits'),
    approvals: await col('SELECT id AS k FROM approvals'),
  };
}

const expected = {
  replay: ['live'],
  issued_tokens: ['just-expired'],
  authorization_codes: ['code-recent'],
  grants: ['grant-live'],
  rate_limits: ['window-recent'],
  approvals: ['approval-recent'],
};

describe('housekeeping', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('removes only what has outlived its purpose, one instance at a time (Postgres)', async () => {
    await seed(t.db);
    const a = startHousekeeping({
      db: t.db,
      log: createMemoryLogger(),
      now: () => now,
      intervalMs: 3_600_000,
    });
    const b = startHousekeeping({
      db: t.db,
      log: createMemoryLogger(),
      now: () => now,
      intervalMs: 3_600_000,
    });
    try {
      const rounds = await Promise.all([a.runOnce(), b.runOnce()]);
      const done = rounds.filter((r) => r !== undefined);
      // Either one took the lock while the other skipped, or they ran one after the other.
      expect(done.length).toBeGreaterThanOrEqual(1);
      const total = (table: string) => done.reduce((n, r) => n + (r?.[table] ?? 0), 0);
      expect(
        ['replay', 'issued_tokens', 'authorization_codes', 'grants', 'rate_limits', 'approvals'].map(total),
      ).toEqual([1, 1, 1, 1, 1, 1]);
      expect(await left(t.db)).toEqual(expected);
    } finally {
      a.stop();
      b.stop();
    }
  });

  it('runs on embedded Postgres too', async () => {
    const db = await openPglite();
    try {
      await migrate(db);
      await seed(db);
      const h = startHousekeeping({ db, log: createMemoryLogger(), now: () => now, intervalMs: 3_600_000 });
      expect(await h.runOnce()).toEqual({
        replay: 1,
        issued_tokens: 1,
        authorization_codes: 1,
        grants: 1,
        rate_limits: 1,
        approvals: 1,
      });
      h.stop();
      expect(await left(db)).toEqual(expected);
    } finally {
      await db.close();
    }
    // PGlite's first start (initdb in WebAssembly) took over 30 s with the machine at load 20.
  }, 120_000);
});

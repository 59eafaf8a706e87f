/**
 * Replay detection across instances (RFC 9449 §11.1): two verifiers, as in two processes, share one
 * Postgres replay table; a proof accepted by one is refused by the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/oauth/errors.js';
import { createDpopVerifier } from '@mandate/mcp-kit';
import { openPostgres } from '../../src/store/pg.js';
import { createReplayStore } from '../../src/store/replay-store.js';
import type { Db } from '../../src/store/db.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { TOKEN_URL, makeProof, proofKey } from '../../packages/mcp-kit/test/dpop/fixtures.js';

let database: TestDatabase;
let secondPool: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  // A second connection pool stands in for a second instance of the service.
  secondPool = await openPostgres(database.url, { max: 2 });
});
afterAll(async () => {
  await secondPool?.close();
  await database?.drop();
});

// The store judges expiry by the database clock, so this test runs on the real clock.
const now = () => Math.floor(Date.now() / 1000);

describe('DPoP replay across verifier instances (Postgres)', () => {
  it('refuses on instance B a proof already accepted by instance A', async () => {
    const a = createDpopVerifier({ replay: createReplayStore(database.db) });
    const b = createDpopVerifier({ replay: createReplayStore(secondPool) });
    const key = await proofKey();
    const t = now();
    const proof = await makeProof({ key, payload: { iat: t } });
    const req = { headers: [proof], method: 'POST', url: TOKEN_URL, now: t };

    await expect(a.verify(req)).resolves.toMatchObject({ iat: t });
    const err = await b.verify(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect([(err as OAuthError).error, (err as OAuthError).description, (err as OAuthError).reason]).toEqual([
      'invalid_dpop_proof',
      'DPoP proof replayed',
      'replayed',
    ]);
  });

  it('lets exactly one of two concurrent instances accept the same proof', async () => {
    const a = createDpopVerifier({ replay: createReplayStore(database.db) });
    const b = createDpopVerifier({ replay: createReplayStore(secondPool) });
    const t = now();
    const proof = await makeProof({ key: await proofKey(), payload: { iat: t } });
    const req = { headers: [proof], method: 'POST', url: TOKEN_URL, now: t };
    const outcomes = await Promise.allSettled([a.verify(req), b.verify(req), a.verify(req), b.verify(req)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  it('keeps the same jti from different keys apart', async () => {
    const a = createDpopVerifier({ replay: createReplayStore(database.db) });
    const b = createDpopVerifier({ replay: createReplayStore(secondPool) });
    const t = now();
    const payload = { iat: t, jti: 'shared-jti' };
    const first = await makeProof({ key: await proofKey(), payload });
    const second = await makeProof({ key: await proofKey(), payload });
    await expect(
      a.verify({ headers: [first], method: 'POST', url: TOKEN_URL, now: t }),
    ).resolves.toBeDefined();
    await expect(
      b.verify({ headers: [second], method: 'POST', url: TOKEN_URL, now: t }),
    ).resolves.toBeDefined();
  });
});

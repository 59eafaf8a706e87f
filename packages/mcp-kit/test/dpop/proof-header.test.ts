/** The proof header's checks (the refusals are the verifier's table) and their bounded memory. */
import { describe, expect, it } from 'vitest';
import { checkHeader, createHeaderCache } from '../../src/dpop/proof-header.js';
import { ALGORITHMS } from '../../src/jws-algorithms.js';
import { proofKey } from './fixtures.js';

describe('checkHeader', () => {
  it("returns the algorithm's needs and the jwk's required members", async () => {
    const { publicJwk } = await proofKey();
    const checked = checkHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: { ...publicJwk, kid: 'k' } }, [
      'ES256',
    ]);
    const { crv, kty, x, y } = publicJwk;
    expect(checked.spec).toBe(ALGORITHMS.ES256);
    expect(checked.jwk.jwk).toEqual({ crv, kty, x, y });
  });

  it('refuses an algorithm outside the allow-list even when it is asymmetric', async () => {
    const { publicJwk } = await proofKey();
    expect(() => checkHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk }, ['EdDSA'])).toThrow(
      expect.objectContaining({ reason: 'alg_not_allowed' }),
    );
  });
});

describe('createHeaderCache', () => {
  it('keeps at most max headers, the least recently used evicted first', async () => {
    const { publicJwk } = await proofKey();
    const checked = checkHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk }, ['ES256']);
    const cache = createHeaderCache(2);
    cache.set('a', checked);
    cache.set('b', checked);
    expect(cache.get('a')).toBe(checked); // a is now the most recently used
    cache.set('c', checked); // evicts b
    expect([cache.size, cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([
      2,
      checked,
      undefined,
      checked,
    ]);
  });

  it('does not remember a segment longer than 2048 characters', async () => {
    const { publicJwk } = await proofKey();
    const checked = checkHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk }, ['ES256']);
    const cache = createHeaderCache();
    expect(cache.set('h'.repeat(2049), checked)).toBe(checked);
    cache.set('h'.repeat(2048), checked);
    expect([cache.size, cache.get('h'.repeat(2049)), cache.get('h'.repeat(2048))]).toEqual([
      1,
      undefined,
      checked,
    ]);
  });
});

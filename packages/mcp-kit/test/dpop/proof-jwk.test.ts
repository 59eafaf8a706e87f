import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { ALGORITHMS } from '../../src/jws-algorithms.js';
import { createKeyCache, publicJwkFor } from '../../src/dpop/proof-jwk.js';
import { proofKey } from './fixtures.js';

const ES256 = ALGORITHMS.ES256!;

describe('publicJwkFor (RFC 7638 §3.2)', () => {
  it('keeps only the required members, in lexicographic order', async () => {
    const { publicJwk } = await proofKey();
    const { canonical, jwk } = publicJwkFor(
      { ...publicJwk, kid: 'k1', use: 'sig', alg: 'ES256' },
      'ES256',
      ES256,
    );
    expect(Object.keys(JSON.parse(canonical))).toEqual(['crv', 'kty', 'x', 'y']);
    expect(jwk).toEqual({ crv: 'P-256', kty: 'EC', x: publicJwk.x, y: publicJwk.y });
  });

  it.each([
    ['a jwk declaring another alg', { alg: 'ES384' }, 'jwk_alg_mismatch'],
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }, 'jwk_private'],
    ['a non-base64url coordinate', { x: 'not base64url!' }, 'jwk_invalid'],
    ['a missing coordinate', { y: undefined }, 'jwk_invalid'],
  ])('refuses %s', async (_name, change, reason) => {
    const { publicJwk } = await proofKey();
    expect(() => publicJwkFor({ ...publicJwk, ...change }, 'ES256', ES256)).toThrow(
      expect.objectContaining({ error: 'invalid_dpop_proof', reason }),
    );
  });
});

describe('createKeyCache', () => {
  it('returns the RFC 7638 thumbprint and reuses the imported key', async () => {
    const { publicJwk } = await proofKey();
    const cache = createKeyCache();
    const first = cache.get(publicJwkFor(publicJwk, 'ES256', ES256));
    expect(first.jkt).toBe(await calculateJwkThumbprint(publicJwk));
    expect(cache.get(publicJwkFor({ ...publicJwk, kid: 'other' }, 'ES256', ES256))).toBe(first);
  });

  it('is bounded and evicts the least recently used key', async () => {
    const keys = await Promise.all(
      [1, 2, 3].map(async () => publicJwkFor((await proofKey()).publicJwk, 'ES256', ES256)),
    );
    const [a, b, c] = keys as [
      ReturnType<typeof publicJwkFor>,
      ReturnType<typeof publicJwkFor>,
      ReturnType<typeof publicJwkFor>,
    ];
    const cache = createKeyCache(2);
    const importedA = cache.get(a);
    const firstB = cache.get(b);
    cache.get(a); // a is now the most recently used
    cache.get(c); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.get(a)).toBe(importedA);
    const importedB = cache.get(b); // re-imported: a new object
    expect(importedB).not.toBe(firstB);
    expect(importedB.jkt).toBe(firstB.jkt);
    expect(cache.size).toBe(2);
  });

  it('does not cache keys that fail to import', async () => {
    const { publicJwk } = await proofKey();
    const cache = createKeyCache();
    const offCurve = publicJwkFor({ ...publicJwk, y: publicJwk.x }, 'ES256', ES256);
    expect(() => cache.get(offCurve)).toThrow(expect.objectContaining({ reason: 'jwk_invalid' }));
    expect(cache.size).toBe(0);
  });
});

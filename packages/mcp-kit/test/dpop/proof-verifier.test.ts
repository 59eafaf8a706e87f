/**
 * The DPoP proof verifier: refusals outside the table (proof-verifier.refusals.test.ts): weak RSA,
 * replay, fail-closed store; and what accepted proofs return.
 */
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDpopVerifier } from '../../src/dpop/proof-verifier.js';
import { DEFAULT_DPOP_ALGORITHMS } from '../../src/jws-algorithms.js';
import { NOW, TOKEN_URL, ath, makeProof, memoryReplayStore, proofKey, rawJws } from './fixtures.js';
import { key, refusal, request, useProofKeys, verifier } from './proof-harness.js';

useProofKeys();

describe('createDpopVerifier: refusals (RFC 9449 §4.3)', () => {
  it('refuses an RSA key shorter than 2048 bits', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const header = { typ: 'dpop+jwt', alg: 'RS256', jwk: weak.publicKey.export({ format: 'jwk' }) };
    const unsigned = rawJws(header, { jti: 'j', htm: 'POST', htu: TOKEN_URL, iat: NOW });
    const signature = nodeSign('sha256', Buffer.from(unsigned.slice(0, -1)), weak.privateKey).toString(
      'base64url',
    );
    const err = await refusal(verifier().verify(request([unsigned + signature])));
    expect([err.reason, err.description]).toEqual([
      'jwk_invalid',
      'DPoP proof RSA key must be at least 2048 bits',
    ]);
  });

  it('refuses a replayed proof on the same verifier', async () => {
    const v = verifier();
    const proof = await makeProof({ key });
    await v.verify(request([proof]));
    const err = await refusal(v.verify(request([proof])));
    expect([err.error, err.description, err.reason]).toEqual([
      'invalid_dpop_proof',
      'DPoP proof replayed',
      'replayed',
    ]);
  });

  it('does not use up the jti of a refused proof', async () => {
    const v = verifier();
    const jti = 'retry-me';
    await refusal(v.verify(request([await makeProof({ key, payload: { jti } })], { method: 'PUT' })));
    await expect(v.verify(request([await makeProof({ key, payload: { jti } })]))).resolves.toMatchObject({
      jti,
    });
  });

  it('answers temporarily_unavailable when the replay store fails (fail closed)', async () => {
    const v = createDpopVerifier({
      replay: {
        remember: () => Promise.reject(new Error('connection refused')),
        purgeExpired: () => Promise.resolve(0),
      },
    });
    const err = await refusal(v.verify(request([await makeProof({ key })])));
    expect([err.error, err.status, err.reason, err.headers]).toEqual([
      'temporarily_unavailable',
      503,
      'replay_store_unavailable',
      { 'Retry-After': '1' },
    ]);
  });
});

describe('createDpopVerifier: accepted proofs', () => {
  it('returns the RFC 7638 thumbprint, the public jwk, jti and iat', async () => {
    const proof = await makeProof({ key, payload: { jti: 'abc' } });
    const result = await verifier().verify(request([proof]));
    const { kty, crv, x, y } = key.publicJwk;
    expect(result).toEqual({ jkt: expect.any(String), jwk: { crv, kty, x, y }, jti: 'abc', iat: NOW });
    const { calculateJwkThumbprint } = await import('jose');
    expect(result.jkt).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
  });

  it.each([
    ['a query on the request URL is ignored', TOKEN_URL, `${TOKEN_URL}?foo=bar`],
    ['a query and fragment in htu are ignored', `${TOKEN_URL}?a=1#x`, TOKEN_URL],
    ['default port and host case', 'https://AS.Example.COM:443/token', TOKEN_URL],
    ['percent-encoding of unreserved characters', 'https://as.example.com/%74oken', TOKEN_URL],
    ['percent-encoding hex case', 'https://as.example.com/a%2fb', 'https://as.example.com/a%2Fb'],
  ])('%s', async (_name, htu, url) => {
    await expect(
      verifier().verify(request([await makeProof({ key, payload: { htu } })], { url })),
    ).resolves.toMatchObject({
      jti: expect.any(String),
    });
  });

  it.each([
    ['exactly the window old', NOW - 60],
    ['exactly the allowed skew ahead', NOW + 5],
  ])('accepts iat %s', async (_name, iat) => {
    await expect(
      verifier().verify(request([await makeProof({ key, payload: { iat } })])),
    ).resolves.toMatchObject({ iat });
  });

  it('accepts the ath of the presented access token', async () => {
    const proof = await makeProof({ key, payload: { ath: ath('at-1'), htm: 'GET' } });
    await expect(
      verifier().verify(request([proof], { method: 'GET', accessToken: 'at-1' })),
    ).resolves.toBeDefined();
  });

  it.each(DEFAULT_DPOP_ALGORITHMS)('verifies %s', async (alg) => {
    const k = await proofKey(alg);
    await expect(verifier().verify(request([await makeProof({ key: k })]))).resolves.toMatchObject({
      jwk: { kty: k.publicJwk.kty },
    });
  });

  it('refuses algorithms outside a narrowed allow-list, and unknown ones at construction', async () => {
    const v = createDpopVerifier({ replay: memoryReplayStore(), algorithms: ['ES256'] });
    const err = await refusal(v.verify(request([await makeProof({ key: await proofKey('PS256') })])));
    expect([err.reason, err.description]).toEqual(['alg_not_allowed', 'DPoP proof alg PS256 is not allowed']);
    expect(() => createDpopVerifier({ replay: memoryReplayStore(), algorithms: ['HS256'] })).toThrow(
      'unsupported DPoP algorithm HS256',
    );
  });

  it('remembers the proof per key until the end of its acceptance window', async () => {
    const replay = memoryReplayStore();
    await createDpopVerifier({ replay }).verify(request([await makeProof({ key })]));
    const [id, expiresAt] = [...replay.records][0] as [string, number];
    const { jkt } = await createDpopVerifier({ replay: memoryReplayStore() }).verify(
      request([await makeProof({ key })]),
    );
    expect(id.startsWith(`dpop:${jkt}\u0000`)).toBe(true);
    expect(expiresAt).toBe(NOW + 60 + 5);
  });
});

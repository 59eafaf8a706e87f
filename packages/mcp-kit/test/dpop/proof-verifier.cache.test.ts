/**
 * What the verifier remembers between proofs (checked headers, imported keys, the last URL
 * normalized) changes no outcome: a verifier that has just accepted proofs of a key refuses every
 * hostile proof of the refusal table exactly as a fresh verifier does, accepts the key again after
 * each refusal, and a client's proofs in sequence get the outcomes a fresh verifier gives each.
 */
import { exportJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import type { OAuthError } from '../../src/errors.js';
import type { DpopVerifier } from '../../src/dpop/proof-verifier.js';
import { NOW, TOKEN_URL, ath, makeProof, rawJws } from './fixtures.js';
import { key, otherKey, refusal, request, useProofKeys, verifier } from './proof-harness.js';
import { refusalRows } from './refusal-rows.js';

useProofKeys();

const outcome = (err: OAuthError) => ({
  error: err.error,
  description: err.description,
  reason: err.reason,
  status: err.status,
  headers: err.headers,
});

/** A verifier that has accepted one proof of `key` (its header, key and URL remembered). */
async function warmVerifier(): Promise<{ v: DpopVerifier; jkt: string }> {
  const v = verifier();
  const { jkt } = await v.verify(request([await makeProof({ key })]));
  return { v, jkt };
}

describe('createDpopVerifier: remembered headers and keys change no outcome', () => {
  it.each(refusalRows)('$name: refused as by a fresh verifier, and the key still accepted', async (row) => {
    const { v, jkt } = await warmVerifier();
    const proofs = await row.proof();
    const warm = await refusal(v.verify(request(proofs, row.req)));
    const fresh = await refusal(verifier().verify(request(proofs, row.req)));
    expect(outcome(warm)).toEqual(outcome(fresh));
    expect([warm.reason, warm.description]).toEqual([row.reason, row.description]);
    await expect(v.verify(request([await makeProof({ key })]))).resolves.toMatchObject({ jkt });
  });

  it("gives a client's proofs in sequence the outcome a fresh verifier gives each", async () => {
    const v = verifier();
    const valid = await makeProof({ key, payload: { jti: 'first' } });
    const sequence: [string, () => Promise<string>, Parameters<typeof request>[1], string][] = [
      ['valid', async () => valid, {}, 'accepted'],
      ['wrong htm', () => makeProof({ key, payload: { htm: 'GET' } }), {}, 'htm_mismatch'],
      ['wrong htu', () => makeProof({ key, payload: { htu: `${TOKEN_URL}x` } }), {}, 'htu_mismatch'],
      ['stale iat', () => makeProof({ key, payload: { iat: NOW - 61 } }), {}, 'iat_too_old'],
      ['replayed jti', async () => valid, {}, 'replayed'],
      [
        'wrong ath',
        () => makeProof({ key, payload: { ath: ath('b') } }),
        { accessToken: 'a' },
        'ath_mismatch',
      ],
      ['right ath', () => makeProof({ key, payload: { ath: ath('a') } }), { accessToken: 'a' }, 'accepted'],
      ['bad signature', () => makeProof({ key, signWith: otherKey.privateKey }), {}, 'signature_invalid'],
      [
        'unsupported alg',
        async () => rawJws({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.publicJwk }, {}, 'AA'),
        {},
        'alg_not_allowed',
      ],
      [
        'private key in jwk',
        async () => makeProof({ key, header: { jwk: await exportJWK(key.privateKey) } }),
        {},
        'jwk_private',
      ],
      ['typ wrong', () => makeProof({ key, header: { typ: 'JWT' } }), {}, 'typ_invalid'],
      ['the other key', () => makeProof({ key: otherKey }), {}, 'accepted'],
      ['the first key again', () => makeProof({ key }), {}, 'accepted'],
    ];
    const got: string[] = [];
    const expected: string[] = [];
    for (const [name, build, extra, want] of sequence) {
      const proof = await build();
      const result = await v.verify(request([proof], extra)).then(
        () => 'accepted',
        (e: OAuthError) => e.reason ?? 'no reason',
      );
      got.push(`${name}: ${result}`);
      expected.push(`${name}: ${want}`);
    }
    expect(got).toEqual(expected);
  });

  it('accepts one key under headers that differ, with one thumbprint', async () => {
    const { v, jkt } = await warmVerifier();
    const { x, y, crv, kty } = key.publicJwk;
    for (const jwk of [
      { y, x, kty, crv },
      { ...key.publicJwk, kid: 'k1' },
    ]) {
      const proof = await makeProof({ key, header: { jwk } });
      await expect(v.verify(request([proof]))).resolves.toMatchObject({ jkt });
    }
  });

  it('refuses a remembered header whose key does not import every time, not only the first', async () => {
    const { v } = await warmVerifier();
    const header = { jwk: { ...key.publicJwk, y: key.publicJwk.x } }; // not on the curve
    for (let i = 0; i < 2; i++) {
      const err = await refusal(v.verify(request([await makeProof({ key, header })])));
      expect([err.reason, err.description]).toEqual([
        'jwk_invalid',
        'DPoP proof jwk is not a valid public key',
      ]);
    }
  });

  it('hands out a copy of the jwk: changing one result does not change the next', async () => {
    const { v } = await warmVerifier();
    const first = await v.verify(request([await makeProof({ key })]));
    (first.jwk as Record<string, unknown>).x = 'changed';
    const second = await v.verify(request([await makeProof({ key })]));
    expect(second.jwk.x).toBe(key.publicJwk.x);
  });

  it('compares htu with the URL of each request, not of the one before', async () => {
    const { v } = await warmVerifier();
    const other = 'https://as.example.com/par';
    const forToken = () => makeProof({ key });
    const forOther = () => makeProof({ key, payload: { htu: other } });
    const reasons = async (proof: Promise<string>, url: string) =>
      v.verify(request([await proof], { url })).then(
        () => 'accepted',
        (e: OAuthError) => e.reason,
      );
    expect(await reasons(forToken(), other)).toBe('htu_mismatch');
    expect(await reasons(forOther(), other)).toBe('accepted');
    expect(await reasons(forOther(), TOKEN_URL)).toBe('htu_mismatch');
    expect(await reasons(forToken(), TOKEN_URL)).toBe('accepted');
    expect(await reasons(makeProof({ key, payload: { htu: 'https://AS.example.com:443/par' } }), other)).toBe(
      'accepted',
    );
  });
});

/**
 * RFC 9449 §4.3 refusals as a table: each hostile proof, its reason and exact description. Shared by
 * the refusals test (a fresh verifier each) and the warm-cache test (a verifier that has just
 * accepted proofs of the same key).
 */
import { exportJWK, generateSecret } from 'jose';
import type { DpopRequest } from '../../src/dpop/proof-verifier.js';
import { NOW, TOKEN_URL, ath, makeProof, rawJws } from './fixtures.js';
import { key, otherKey } from './proof-harness.js';

export interface RefusalRow {
  name: string;
  proof: () => Promise<string[]>;
  req?: Partial<DpopRequest>;
  reason: string;
  description: string;
}

const one = (build: () => Promise<string>) => async () => [await build()];

export const refusalRows: RefusalRow[] = [
  {
    name: 'no DPoP header',
    proof: async () => [],
    reason: 'missing_proof',
    description: 'DPoP proof is missing',
  },
  {
    name: 'two DPoP headers',
    proof: async () => [await makeProof({ key }), await makeProof({ key })],
    reason: 'multiple_headers',
    description: 'more than one DPoP header was sent',
  },
  {
    name: 'two proofs joined into one header by an intermediary',
    proof: async () => [`${await makeProof({ key })}, ${await makeProof({ key })}`],
    reason: 'not_jws',
    description: 'DPoP proof is not a single compact JWS',
  },
  {
    name: 'not a JWS',
    proof: async () => ['not-a-jwt'],
    reason: 'not_jws',
    description: 'DPoP proof is not a single compact JWS',
  },
  {
    name: 'a JWE (five parts)',
    proof: async () => ['eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d'],
    reason: 'not_jws',
    description: 'DPoP proof is not a single compact JWS',
  },
  {
    name: 'header is not JSON',
    proof: async () => [`${Buffer.from('{nope').toString('base64url')}.e30.AA`],
    reason: 'malformed_header',
    description: 'DPoP proof header is not a JSON object',
  },
  {
    name: 'payload is a JSON array',
    proof: async () => [rawJws({ typ: 'dpop+jwt', alg: 'ES256', jwk: {} }, [], 'AA')],
    reason: 'malformed_payload',
    description: 'DPoP proof payload is not a JSON object',
  },
  {
    name: 'wrong typ',
    proof: one(() => makeProof({ key, header: { typ: 'JWT' } })),
    reason: 'typ_invalid',
    description: 'DPoP proof typ must be dpop+jwt',
  },
  {
    name: 'typ in another case',
    proof: one(() => makeProof({ key, header: { typ: 'DPoP+JWT' } })),
    reason: 'typ_invalid',
    description: 'DPoP proof typ must be dpop+jwt',
  },
  {
    name: 'alg none',
    proof: async () => [
      rawJws(
        { typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk },
        { jti: 'j', htm: 'POST', htu: TOKEN_URL, iat: NOW },
      ),
    ],
    reason: 'alg_not_allowed',
    description: 'DPoP proof alg none is not allowed',
  },
  {
    name: 'no alg, and an alg that is not a name',
    proof: async () => [rawJws({ typ: 'dpop+jwt', alg: 'ES256"\r\nX: y', jwk: {} }, {}, 'AA')],
    reason: 'alg_not_allowed',
    description: 'DPoP proof alg is not allowed',
  },
  {
    name: 'HS256 (a MAC)',
    proof: one(async () =>
      makeProof({
        key: { ...key, alg: 'HS256' },
        signWith: await generateSecret('HS256', { extractable: true }),
      }),
    ),
    reason: 'alg_not_allowed',
    description: 'DPoP proof alg HS256 is not allowed',
  },
  {
    name: 'unknown critical header',
    proof: one(() => makeProof({ key, header: { crit: ['b64'], b64: true } })),
    reason: 'crit_unsupported',
    description: 'DPoP proof header has unsupported critical extensions',
  },
  {
    name: 'no jwk',
    proof: one(() => makeProof({ key, header: { jwk: undefined } })),
    reason: 'jwk_missing',
    description: 'DPoP proof header has no jwk object',
  },
  {
    name: 'private key in jwk',
    proof: one(async () => makeProof({ key, header: { jwk: await exportJWK(key.privateKey) } })),
    reason: 'jwk_private',
    description: 'DPoP proof jwk must not contain private key members',
  },
  {
    name: 'P-256 key with ES384',
    proof: async () => [rawJws({ typ: 'dpop+jwt', alg: 'ES384', jwk: key.publicJwk }, {}, 'AA')],
    reason: 'jwk_alg_mismatch',
    description: 'DPoP proof jwk cannot be used with alg ES384',
  },
  {
    name: 'EC point not on the curve',
    proof: one(() => makeProof({ key, header: { jwk: { ...key.publicJwk, y: key.publicJwk.x } } })),
    reason: 'jwk_invalid',
    description: 'DPoP proof jwk is not a valid public key',
  },
  ...(['jti', 'htm', 'htu', 'iat'] as const).map((claim): RefusalRow => ({
    name: `missing ${claim}`,
    proof: one(() => makeProof({ key, payload: { [claim]: undefined } })),
    reason: 'claim_missing',
    description: `DPoP proof is missing the ${claim} claim`,
  })),
  {
    name: 'jti too long',
    proof: one(() => makeProof({ key, payload: { jti: 'x'.repeat(257) } })),
    reason: 'claim_invalid',
    description: 'DPoP proof jti must be a string of 1 to 256 characters',
  },
  {
    name: 'iat as a string',
    proof: one(() => makeProof({ key, payload: { iat: String(NOW) } })),
    reason: 'claim_invalid',
    description: 'DPoP proof iat must be a number',
  },
  {
    name: 'wrong method',
    proof: one(() => makeProof({ key, payload: { htm: 'GET' } })),
    reason: 'htm_mismatch',
    description: 'DPoP proof htm does not match the request method',
  },
  {
    name: 'htm in another case (methods are case-sensitive)',
    proof: one(() => makeProof({ key, payload: { htm: 'post' } })),
    reason: 'htm_mismatch',
    description: 'DPoP proof htm does not match the request method',
  },
  {
    name: 'htu on another host',
    proof: one(() => makeProof({ key, payload: { htu: 'https://evil.example.com/token' } })),
    reason: 'htu_mismatch',
    description: 'DPoP proof htu does not match the request URL',
  },
  {
    name: 'htu with another path',
    proof: one(() => makeProof({ key, payload: { htu: 'https://as.example.com/introspect' } })),
    reason: 'htu_mismatch',
    description: 'DPoP proof htu does not match the request URL',
  },
  {
    name: 'htu with another scheme',
    proof: one(() => makeProof({ key, payload: { htu: 'http://as.example.com/token' } })),
    reason: 'htu_mismatch',
    description: 'DPoP proof htu does not match the request URL',
  },
  {
    name: 'relative htu',
    proof: one(() => makeProof({ key, payload: { htu: '/token' } })),
    reason: 'htu_invalid',
    description: 'DPoP proof htu is not an absolute http(s) URL',
  },
  {
    name: 'iat too old',
    proof: one(() => makeProof({ key, payload: { iat: NOW - 61 } })),
    reason: 'iat_too_old',
    description: 'DPoP proof is too old',
  },
  {
    name: 'iat in the future',
    proof: one(() => makeProof({ key, payload: { iat: NOW + 6 } })),
    reason: 'iat_in_future',
    description: 'DPoP proof iat is in the future',
  },
  {
    name: 'signature by another key than the jwk',
    proof: one(() => makeProof({ key, signWith: otherKey.privateKey })),
    reason: 'signature_invalid',
    description: 'DPoP proof signature is invalid',
  },
  {
    name: 'signature stripped',
    proof: one(async () => (await makeProof({ key })).replace(/[^.]+$/, '')),
    reason: 'signature_invalid',
    description: 'DPoP proof signature is invalid',
  },
  {
    name: 'payload changed after signing',
    proof: one(async () => {
      const [h, , s] = (await makeProof({ key })).split('.');
      const forged = Buffer.from(JSON.stringify({ jti: 'forged', htm: 'POST', htu: TOKEN_URL, iat: NOW }));
      return `${h}.${forged.toString('base64url')}.${s}`;
    }),
    reason: 'signature_invalid',
    description: 'DPoP proof signature is invalid',
  },
  {
    name: 'no ath with an access token',
    proof: one(() => makeProof({ key })),
    req: { accessToken: 'at-1' },
    reason: 'ath_missing',
    description: 'DPoP proof is missing the ath claim',
  },
  {
    name: 'ath of another access token',
    proof: one(() => makeProof({ key, payload: { ath: ath('at-2') } })),
    req: { accessToken: 'at-1' },
    reason: 'ath_mismatch',
    description: 'DPoP proof ath does not match the access token',
  },
];

import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { exportJWK, generateSecret } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { createDpopVerifier } from '../../src/dpop/proof-verifier.js';
import type { DpopRequest } from '../../src/dpop/proof-verifier.js';
import { DEFAULT_DPOP_ALGORITHMS } from '../../src/jws-algorithms.js';
import { NOW, TOKEN_URL, ath, makeProof, memoryReplayStore, proofKey, rawJws } from './fixtures.js';
import type { ProofKey } from './fixtures.js';

let key: ProofKey;
let otherKey: ProofKey;
beforeAll(async () => {
  key = await proofKey('ES256');
  otherKey = await proofKey('ES256');
});

const verifier = () => createDpopVerifier({ replay: memoryReplayStore() });
const request = (headers: string[], extra: Partial<DpopRequest> = {}): DpopRequest => ({
  headers,
  method: 'POST',
  url: TOKEN_URL,
  now: NOW,
  ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<OAuthError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  return err as OAuthError;
}

interface Row {
  name: string;
  proof: () => Promise<string[]>;
  req?: Partial<DpopRequest>;
  reason: string;
  description: string;
}

const one = (build: () => Promise<string>) => async () => [await build()];

const rows: Row[] = [
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
  ...(['jti', 'htm', 'htu', 'iat'] as const).map((claim): Row => ({
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

describe('createDpopVerifier: refusals (RFC 9449 §4.3)', () => {
  it.each(rows)('$name → invalid_dpop_proof ($reason)', async (row) => {
    const err = await refusal(verifier().verify(request(await row.proof(), row.req)));
    expect({
      error: err.error,
      description: err.description,
      reason: err.reason,
      status: err.status,
    }).toEqual({
      error: 'invalid_dpop_proof',
      description: row.description,
      reason: row.reason,
      status: 400,
    });
  });

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

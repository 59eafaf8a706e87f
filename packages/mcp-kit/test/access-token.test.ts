import { beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenVerifier } from '../src/access-token.js';
import { createJwksClient } from '../src/jwks.js';
import {
  claims,
  ISSUER,
  JWKS_URI,
  jwksEndpoint,
  mint,
  RESOURCE,
  signingKey,
  type SigningKey,
} from './keys.js';

const NOW = 1_764_140_000;
let key: SigningKey;
let stranger: SigningKey;
beforeAll(async () => {
  key = await signingKey('k1');
  stranger = await signingKey('k1');
});

function verifier(opts: { now?: number; skew?: number } = {}) {
  const endpoint = jwksEndpoint([key]);
  return createAccessTokenVerifier({
    issuer: ISSUER,
    audience: RESOURCE,
    jwks: createJwksClient({ jwksUri: JWKS_URI, fetch: endpoint.fetch }),
    clockSkewSeconds: opts.skew ?? 30,
    now: () => opts.now ?? NOW,
  });
}

describe('access-token verification (RFC 9068 §4)', () => {
  it('accepts a valid token and returns its claims', async () => {
    const c = claims(NOW);
    await expect(verifier().verify(await mint(key, c))).resolves.toMatchObject({ sub: 'alice', jti: c.jti });
  });

  it.each<[string, number, string | undefined]>([
    ['expired less than the skew ago', NOW + 300 + 29, undefined],
    ['expired the skew ago (exp is exclusive)', NOW + 300 + 30, 'expired'],
    ['issued within the skew in the future', NOW - 30, undefined],
    ['issued beyond the skew in the future', NOW - 31, 'iat_future'],
  ])('clock skew: %s', async (_name, verifierNow, reason) => {
    const token = await mint(key, claims(NOW));
    const p = verifier({ now: verifierNow }).verify(token);
    if (reason === undefined) await expect(p).resolves.toBeDefined();
    else await expect(p).rejects.toMatchObject({ reason });
  });

  it('honours nbf with the same skew', async () => {
    const token = await mint(key, claims(NOW, { nbf: NOW + 60 }));
    await expect(verifier({ now: NOW + 29 }).verify(token)).rejects.toMatchObject({
      reason: 'not_yet_valid',
    });
    await expect(verifier({ now: NOW + 30 }).verify(token)).resolves.toBeDefined();
  });

  it.each<[string, () => Promise<string>, string]>([
    ['another audience', () => mint(key, claims(NOW, { aud: 'https://api.salesforce.example' })), 'audience'],
    [
      'an audience that only starts like ours',
      () => mint(key, claims(NOW, { aud: `${RESOURCE}/x` })),
      'audience',
    ],
    ['another issuer', () => mint(key, claims(NOW, { iss: 'https://evil.example' })), 'issuer'],
    ['typ JWT (an ID token, say)', () => mint(key, claims(NOW), { typ: 'JWT' }), 'typ'],
    ['no typ', () => mint(key, claims(NOW), { typ: undefined }), 'typ'],
    ['an unknown kid', () => mint(key, claims(NOW), { kid: 'k9' }), 'unknown_key'],
    ['a forged signature under a known kid', () => mint(stranger, claims(NOW)), 'signature'],
    ['no client_id', () => mint(key, claims(NOW, { client_id: undefined })), 'missing_claim'],
    ['no jti', () => mint(key, claims(NOW, { jti: undefined })), 'missing_claim'],
    [
      'alg none',
      async () => {
        const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        return `${enc({ alg: 'none', typ: 'at+jwt', kid: 'k1' })}.${enc(claims(NOW))}.`;
      },
      'alg',
    ],
    ['not a JWS', async () => 'abc.def', 'malformed'],
  ])('refuses %s', async (_name, token, reason) => {
    await expect(verifier().verify(await token())).rejects.toMatchObject({
      name: 'TokenVerificationError',
      reason,
    });
  });

  it('accepts an audience array naming this resource', async () => {
    const token = await mint(key, claims(NOW, { aud: ['https://other.example', RESOURCE] }));
    await expect(verifier().verify(token)).resolves.toBeDefined();
  });

  it('refuses symmetric or none algorithms in the allow-list and skew beyond 300 s', () => {
    const jwks = createJwksClient({ jwksUri: JWKS_URI });
    const base = { issuer: ISSUER, audience: RESOURCE, jwks };
    expect(() => createAccessTokenVerifier({ ...base, algorithms: ['HS256'] })).toThrow(TypeError);
    expect(() => createAccessTokenVerifier({ ...base, algorithms: ['none'] })).toThrow(TypeError);
    expect(() => createAccessTokenVerifier({ ...base, clockSkewSeconds: 301 })).toThrow(TypeError);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { createNonceService } from '../../src/dpop/nonce.js';
import { createDpopVerifier } from '../../src/dpop/proof-verifier.js';
import { quotedString, wwwAuthenticate } from '../../src/challenge.js';
import { externalRequestUrl, verifyDpopBoundRequest } from '../../src/dpop/bound-request.js';
import type { DpopBoundRequest } from '../../src/dpop/bound-request.js';
import { NOW, ath, makeProof, memoryReplayStore, proofKey } from './fixtures.js';
import type { ProofKey } from './fixtures.js';

const API_URL = 'https://api.example.com/v1/accounts';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';
const ALGS = 'ES256 ES384 ES512 PS256 PS384 PS512 RS256 EdDSA';

let key: ProofKey;
let otherKey: ProofKey;
let jkt: string;
beforeAll(async () => {
  key = await proofKey();
  otherKey = await proofKey();
  const { calculateJwkThumbprint } = await import('jose');
  jkt = await calculateJwkThumbprint(key.publicJwk);
});

const goodProof = (k: ProofKey = key, payload: Record<string, unknown> = {}) =>
  makeProof({ key: k, payload: { htm: 'GET', htu: API_URL, ath: ath(TOKEN), ...payload } });

function input(overrides: Partial<DpopBoundRequest>): DpopBoundRequest {
  return {
    authorization: `DPoP ${TOKEN}`,
    dpopHeaders: [],
    method: 'GET',
    url: API_URL,
    claims: { cnf: { jkt } },
    accessToken: TOKEN,
    verifier: createDpopVerifier({ replay: memoryReplayStore() }),
    now: NOW,
    ...overrides,
  };
}

async function refusal(req: DpopBoundRequest): Promise<Record<string, unknown>> {
  const err = await verifyDpopBoundRequest(req).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  const { error, description, reason, status, headers } = err as OAuthError;
  return { error, description, reason, status, headers };
}

const dpopChallenge = (error: string, description: string) =>
  `DPoP error="${error}", error_description="${description}", algs="${ALGS}"`;

describe('verifyDpopBoundRequest (RFC 9449 §7)', () => {
  it('accepts a DPoP-bound token with a matching proof', async () => {
    const result = await verifyDpopBoundRequest(input({ dpopHeaders: [await goodProof()] }));
    expect(result).toMatchObject({ scheme: 'DPoP', proof: { jkt } });
  });

  it('accepts the scheme name in any case (RFC 9110 §11.1)', async () => {
    const result = await verifyDpopBoundRequest(
      input({ authorization: `dpop ${TOKEN}`, dpopHeaders: [await goodProof()] }),
    );
    expect(result.scheme).toBe('DPoP');
  });

  it('accepts an unbound token sent as Bearer, and ignores any proof with it', async () => {
    const result = await verifyDpopBoundRequest(input({ authorization: `Bearer ${TOKEN}`, claims: {} }));
    expect(result).toEqual({ scheme: 'Bearer' });
  });

  it.each<[string, () => Promise<Partial<DpopBoundRequest>>, Record<string, unknown>]>([
    [
      'a DPoP-bound token sent as Bearer',
      async () => ({ authorization: `Bearer ${TOKEN}`, dpopHeaders: [await goodProof()] }),
      {
        error: 'invalid_token',
        description: 'DPoP-bound access token must be sent with the DPoP scheme',
        reason: 'bearer_downgrade',
      },
    ],
    [
      'an unbound token when DPoP is required',
      async () => ({ authorization: `Bearer ${TOKEN}`, claims: {}, requireDpop: true }),
      {
        error: 'invalid_token',
        description: 'this resource requires a DPoP-bound access token',
        reason: 'dpop_required',
      },
    ],
    [
      'the DPoP scheme with an unbound token',
      async () => ({ claims: {}, dpopHeaders: [await goodProof()] }),
      { error: 'invalid_token', description: 'access token is not DPoP-bound', reason: 'token_not_bound' },
    ],
    [
      'the DPoP scheme without a proof',
      async () => ({}),
      { error: 'invalid_dpop_proof', description: 'DPoP proof is missing', reason: 'missing_proof' },
    ],
    [
      'an ath for another token',
      async () => ({ dpopHeaders: [await goodProof(key, { ath: ath('another-token') })] }),
      {
        error: 'invalid_dpop_proof',
        description: 'DPoP proof ath does not match the access token',
        reason: 'ath_mismatch',
      },
    ],
    [
      'a proof without ath',
      async () => ({ dpopHeaders: [await goodProof(key, { ath: undefined })] }),
      {
        error: 'invalid_dpop_proof',
        description: 'DPoP proof is missing the ath claim',
        reason: 'ath_missing',
      },
    ],
    [
      'a proof signed by another key than cnf.jkt',
      async () => ({ dpopHeaders: [await goodProof(otherKey)] }),
      {
        error: 'invalid_dpop_proof',
        description: 'DPoP proof key does not match the access token binding',
        reason: 'jkt_mismatch',
      },
    ],
    [
      'a proof for another URL',
      async () => ({ dpopHeaders: [await goodProof(key, { htu: 'https://api.example.com/v1/admin' })] }),
      {
        error: 'invalid_dpop_proof',
        description: 'DPoP proof htu does not match the request URL',
        reason: 'htu_mismatch',
      },
    ],
  ])('refuses %s with 401 and a DPoP challenge', async (_name, overrides, expected) => {
    const got = await refusal(input(await overrides()));
    expect(got).toEqual({
      ...expected,
      status: 401,
      headers: {
        'WWW-Authenticate': dpopChallenge(expected.error as string, expected.description as string),
      },
    });
  });

  it('refuses a replayed proof', async () => {
    const req = input({ dpopHeaders: [await goodProof()] });
    await verifyDpopBoundRequest(req);
    expect(await refusal(req)).toMatchObject({
      error: 'invalid_dpop_proof',
      reason: 'replayed',
      status: 401,
    });
  });

  it('answers a missing nonce with 401, a use_dpop_nonce challenge and a DPoP-Nonce header (§9)', async () => {
    const nonces = createNonceService({ secret: new Uint8Array(32).fill(3) });
    const verifier = createDpopVerifier({ replay: memoryReplayStore(), nonces, requireNonce: true });
    const description = 'DPoP proof must include the server-provided nonce';
    expect(await refusal(input({ verifier, dpopHeaders: [await goodProof()] }))).toEqual({
      error: 'use_dpop_nonce',
      description,
      reason: 'nonce_missing',
      status: 401,
      headers: {
        'WWW-Authenticate': dpopChallenge('use_dpop_nonce', description),
        'DPoP-Nonce': nonces.issue(NOW),
      },
    });
    const retried = input({ verifier, dpopHeaders: [await goodProof(key, { nonce: nonces.issue(NOW) })] });
    await expect(verifyDpopBoundRequest(retried)).resolves.toMatchObject({ scheme: 'DPoP' });
  });

  it('adds resource_metadata to its challenges (RFC 9728 §5.1)', async () => {
    const got = await refusal(
      input({ resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource' }),
    );
    expect((got.headers as Record<string, string>)['WWW-Authenticate']).toBe(
      'DPoP resource_metadata="https://api.example.com/.well-known/oauth-protected-resource", ' +
        `error="invalid_dpop_proof", error_description="DPoP proof is missing", algs="${ALGS}"`,
    );
  });

  it.each([undefined, 'Basic dXNlcjpwYXNz', `DPoP`, `Bearer ${TOKEN} extra`])(
    'refuses Authorization %j as invalid_request',
    async (authorization) => {
      expect(await refusal(input({ authorization }))).toMatchObject({
        error: 'invalid_request',
        reason: 'scheme_unsupported',
        status: 400,
      });
    },
  );

  it('treats a token that differs from the Authorization header as a caller bug', async () => {
    await expect(verifyDpopBoundRequest(input({ accessToken: 'other' }))).rejects.toThrow(TypeError);
  });
});

describe('externalRequestUrl', () => {
  it.each([
    ['https://api.example.com', '/v1/accounts?x=1', 'https://api.example.com/v1/accounts?x=1'],
    ['https://api.example.com/', '/v1/accounts', 'https://api.example.com/v1/accounts'],
    ['https://example.com/mcp', '/rpc', 'https://example.com/mcp/rpc'],
    ['https://example.com/mcp/', '/rpc', 'https://example.com/mcp/rpc'],
  ])('%s + %s → %s', (base, target, expected) => {
    expect(externalRequestUrl(base, target)).toBe(expected);
  });

  it('refuses absolute-form targets and bases with a query', () => {
    expect(() => externalRequestUrl('https://api.example.com', 'https://evil.example/x')).toThrow(TypeError);
    expect(() => externalRequestUrl('https://api.example.com/?a=1', '/x')).toThrow(TypeError);
  });
});

describe('wwwAuthenticate (RFC 6750 §3, RFC 9449 §7.1, RFC 9728 §5.1)', () => {
  it.each<[Parameters<typeof wwwAuthenticate>[0], string]>([
    [{ scheme: 'Bearer' }, 'Bearer'],
    [
      {
        scheme: 'Bearer',
        resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource',
        scope: 'files:read',
      },
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="files:read"',
    ],
    [
      {
        scheme: 'Bearer',
        error: 'insufficient_scope',
        scope: 'files:read files:write',
        description: 'more scope needed',
      },
      'Bearer error="insufficient_scope", error_description="more scope needed", scope="files:read files:write"',
    ],
    [
      { scheme: 'DPoP', error: 'invalid_dpop_proof', description: 'bad proof', algs: ['ES256', 'PS256'] },
      'DPoP error="invalid_dpop_proof", error_description="bad proof", algs="ES256 PS256"',
    ],
    [{ scheme: 'DPoP', realm: 'api', algs: [] }, 'DPoP realm="api"'],
  ])('%j', (opts, header) => {
    expect(wwwAuthenticate(opts)).toBe(header);
  });

  it.each([
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['line\r\nSet-Cookie: x=1', '"line??Set-Cookie: x=1"'],
    ['café', '"caf?"'],
  ])('quotes %j as %s', (value, quoted) => {
    expect(quotedString(value)).toBe(quoted);
  });
});

/** ID-JAGs presented at Mandate (draft-ietf-oauth-identity-assertion-authz-grant §4.4.1): every refusal. */
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyObject } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../../src/oauth/errors.js';
import { MAX_ID_JAG_LIFETIME, verifyIdJag } from '../../../src/oauth/id-jag/verify-id-jag.js';
import type { TrustedIssuer } from '../../../src/oauth/tokens/token-verifier.js';

const NOW = 1_700_000_000;
const ISSUER = 'https://mandate.example';
let key: KeyObject;
let idp: TrustedIssuer;
let issuers: Map<string, TrustedIssuer>;
const deps = () => ({
  issuer: ISSUER,
  issuers: { get: async (i: string) => issuers.get(i) },
  clockSkew: 30,
  now: () => NOW,
});

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey as KeyObject;
  idp = {
    issuer: 'https://idp.example',
    jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'i1', alg: 'ES256' }] },
    algorithms: ['ES256'],
    tokenTypes: ['id_jag'],
    scopesClaim: null,
  };
  issuers = new Map([
    [idp.issuer, idp],
    ['https://sso.example', { ...idp, issuer: 'https://sso.example', tokenTypes: ['access_token'] }],
    ['https://tenant.example', { ...idp, issuer: 'https://tenant.example', tenant: 'acme' }],
  ]);
});

const sign = (claims: JWTPayload, header: Record<string, unknown> = { typ: 'oauth-id-jag+jwt' }) =>
  new SignJWT({
    iss: idp.issuer,
    sub: 'alice',
    aud: ISSUER,
    client_id: 'agent',
    jti: 'j1',
    iat: NOW,
    exp: NOW + 300,
    scope: 'read write',
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'i1', ...header })
    .sign(key);

async function refusal(assertion: string, clientId = 'agent') {
  const err = await verifyIdJag(assertion, clientId, deps()).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthError);
  return { ...(err as OAuthError).toJSON(), reason: (err as OAuthError).reason };
}

describe('verifyIdJag', () => {
  it('verifies an ID-JAG for this server and the presenting client, with its scopes', async () => {
    const v = await verifyIdJag(await sign({ aud: [ISSUER] }), 'agent', deps());
    expect(v.trusted).toBe(idp);
    expect(v.claims).toMatchObject({
      sub: 'alice',
      client_id: 'agent',
      jti: 'j1',
      aud: [ISSUER],
      scopes: ['read', 'write'],
    });
    expect((await verifyIdJag(await sign({ scope: undefined }), 'agent', deps())).claims.scopes).toEqual([]);
    expect(
      (await verifyIdJag(await sign({}, { typ: 'application/oauth-id-jag+jwt' }), 'agent', deps())).claims
        .sub,
    ).toBe('alice');
  });

  it.each([
    ['not a compact JWS', async () => 'a.b', 'not_jws', 'assertion is not a signed JWT'],
    ['not a JWT', async () => 'a.b.c', 'malformed', 'assertion is not a well-formed JWT'],
    [
      'another typ (an ID token)',
      () => sign({}, { typ: 'JWT' }),
      'typ',
      "assertion typ must be 'oauth-id-jag+jwt'",
    ],
    ['no typ', () => sign({}, {}), 'typ', "assertion typ must be 'oauth-id-jag+jwt'"],
    [
      'issued by Mandate itself',
      () => sign({ iss: ISSUER }),
      'self_issued',
      'assertion was issued by this server and cannot be exchanged here',
    ],
    [
      'from an unknown issuer',
      () => sign({ iss: 'https://evil.example' }),
      'untrusted_issuer',
      'assertion is from an issuer that is not trusted',
    ],
    [
      'from an issuer not trusted for ID-JAGs',
      () => sign({ iss: 'https://sso.example' }),
      'type_not_accepted',
      'assertion issuer is not trusted to issue ID-JAGs',
    ],
    ['expired', () => sign({ exp: NOW - 31 }), 'expired', 'assertion has expired'],
    [
      'without client_id',
      () => sign({ client_id: undefined }),
      'claim_client_id',
      'assertion client_id claim is missing',
    ],
    [
      'issued in the future',
      () => sign({ iat: NOW + 31 }),
      'iat_future',
      'assertion is issued in the future',
    ],
    [
      'living too long',
      () => sign({ exp: NOW + MAX_ID_JAG_LIFETIME + 1 }),
      'lifetime',
      `assertion must expire within ${MAX_ID_JAG_LIFETIME} seconds`,
    ],
    [
      'for another server',
      () => sign({ aud: 'https://other.example' }),
      'aud_mismatch',
      'assertion aud is not this authorization server',
    ],
    [
      'for several servers',
      () => sign({ aud: [ISSUER, 'https://other.example'] }),
      'aud_multiple',
      'assertion aud must name exactly one authorization server',
    ],
    [
      'for another client',
      () => sign({ client_id: 'other' }),
      'client_mismatch',
      'assertion was issued for another client',
    ],
    [
      'without the trusted tenant',
      () => sign({ iss: 'https://tenant.example' }),
      'tenant_mismatch',
      'assertion tenant is not the one trusted for this issuer',
    ],
    [
      'with another tenant',
      () => sign({ iss: 'https://tenant.example', tenant: 'evil' }),
      'tenant_mismatch',
      'assertion tenant is not the one trusted for this issuer',
    ],
  ])('refuses an assertion %s as invalid_grant (%s)', async (_what, make, reason, description) => {
    expect(await refusal(await make())).toEqual({
      error: 'invalid_grant',
      error_description: description,
      reason,
    });
  });

  it('accepts the trusted tenant', async () => {
    const v = await verifyIdJag(
      await sign({ iss: 'https://tenant.example', tenant: 'acme' }),
      'agent',
      deps(),
    );
    expect(v.claims.tenant).toBe('acme');
  });

  it('refuses a signature by another key', async () => {
    const other = await generateKeyPair('ES256');
    const forged = await new SignJWT({
      iss: idp.issuer,
      sub: 'alice',
      aud: ISSUER,
      client_id: 'agent',
      jti: 'x',
      iat: NOW,
      exp: NOW + 60,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'i1', typ: 'oauth-id-jag+jwt' })
      .sign(other.privateKey);
    expect(await refusal(forged)).toMatchObject({ error: 'invalid_grant', reason: 'bad_signature' });
  });

  it('answers an unreachable key set as temporarily_unavailable with Retry-After', async () => {
    issuers.set('https://remote.example', {
      ...idp,
      issuer: 'https://remote.example',
      jwks: null,
      jwksUri: 'http://127.0.0.1:9/jwks',
    });
    const err = (await verifyIdJag(await sign({ iss: 'https://remote.example' }), 'agent', deps()).catch(
      (e: unknown) => e,
    )) as OAuthError;
    expect(err.error).toBe('temporarily_unavailable');
    expect(err.headers['Retry-After']).toBe('5');
  });
});

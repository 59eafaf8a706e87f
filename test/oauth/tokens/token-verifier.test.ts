/**
 * The subject/actor token verifier (RFC 8693 §2.1): Mandate's own at+jwt tokens against its keys
 * (with revocation), trusted issuers' tokens against theirs with their claim profile; every refusal
 * with its exact error, description and reason; an unreachable issuer or key set is an outage.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../../src/oauth/errors.js';
import { TokenType } from '../../../src/oauth/tokens/token-types.js';
import {
  createTokenVerifier,
  type TokenVerifierDeps,
  type TrustedIssuer,
} from '../../../src/oauth/tokens/token-verifier.js';

const NOW = 1_700_000_000;
const SELF = 'https://mandate.example';
const IDP = 'https://idp.example';
const mandateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const idpKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let issuers: Map<string, TrustedIssuer>;
const revoked = new Set(['revoked-jti']);

beforeAll(async () => {
  const idp: TrustedIssuer = {
    issuer: IDP,
    jwks: { keys: [{ ...(await exportJWK(idpKey.publicKey)), kid: 'i1', alg: 'ES256' }] },
    algorithms: ['ES256'],
    tokenTypes: ['access_token', 'id_token', 'jwt'],
    groupsClaim: 'roles',
    scopesClaim: 'permissions',
  };
  issuers = new Map([
    [IDP, idp],
    ['https://at-only.example', { ...idp, issuer: 'https://at-only.example', tokenTypes: ['access_token'] }],
    ['https://lenient.example', { ...idp, issuer: 'https://lenient.example', scopesWhenAbsent: 'policy' }],
    [
      'https://down.example',
      { ...idp, issuer: 'https://down.example', jwks: null, jwksUri: 'http://127.0.0.1:9/jwks' },
    ],
  ]);
});

const deps = (over: Partial<TokenVerifierDeps> = {}): TokenVerifierDeps => ({
  issuer: SELF,
  selfKeys: () => new Map([['m1', mandateKey.publicKey]]),
  issuers: { get: async (i) => issuers.get(i) },
  clockSkew: 30,
  now: () => NOW,
  isRevoked: async (jti) => revoked.has(jti),
  ...over,
});

const sign = (claims: JWTPayload, header: Record<string, unknown>, key: KeyObject) =>
  new SignJWT({ sub: 'alice', aud: 'mcp', iat: NOW, exp: NOW + 300, ...claims })
    .setProtectedHeader({ alg: 'ES256', ...header })
    .sign(key);
const mandate = (claims: JWTPayload = {}, header: Record<string, unknown> = {}) =>
  sign(
    { iss: SELF, jti: 'j1', client_id: 'claude', scope: 'crm.read', ...claims },
    { typ: 'at+jwt', kid: 'm1', ...header },
    mandateKey.privateKey,
  );
const foreign = (claims: JWTPayload = {}, header: Record<string, unknown> = {}, key = idpKey.privateKey) =>
  sign({ iss: IDP, ...claims }, { kid: 'i1', ...header }, key);

const AT = TokenType.accessToken;
async function refusal(token: string, type: string = AT, d = deps()) {
  const err = await createTokenVerifier(d)
    .verify(token, type, 'subject_token')
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthError);
  const e = err as OAuthError;
  return { ...e.toJSON(), reason: e.reason, headers: e.headers };
}
const refused = (error_description: string, reason: string) => ({
  error: 'invalid_grant',
  error_description,
  reason,
  headers: {},
});

describe('createTokenVerifier: Mandate’s own tokens', () => {
  it('verifies an at+jwt signed with its key, as typed claims, self', async () => {
    const v = await createTokenVerifier(deps()).verify(await mandate({ act: { sub: 'mcp' } }), AT, 'x');
    expect(v.self).toBe(true);
    expect(v.claims).toMatchObject({
      iss: SELF,
      sub: 'alice',
      aud: ['mcp'],
      exp: NOW + 300,
      iat: NOW,
      jti: 'j1',
      client_id: 'claude',
      act: { sub: 'mcp' },
      scopes: ['crm.read'],
      groups: [],
    });
    // No revocation port: no revocation check.
    const unchecked = createTokenVerifier(deps({ isRevoked: undefined }));
    expect((await unchecked.verify(await mandate({ jti: 'revoked-jti' }), AT, 'x')).self).toBe(true);
  });

  it.each([
    [
      'without typ at+jwt',
      () => mandate({}, { typ: 'JWT' }),
      "subject_token issued by Mandate must have typ 'at+jwt'",
      'typ',
    ],
    [
      'without typ',
      () => mandate({}, { typ: undefined }),
      "subject_token issued by Mandate must have typ 'at+jwt'",
      'typ',
    ],
    [
      'signed with an unknown kid',
      () => mandate({}, { kid: 'gone' }),
      'subject_token: unknown signing key',
      'no_matching_key',
    ],
    [
      'without jti',
      () => mandate({ jti: undefined }),
      "subject_token is missing the 'jti' claim",
      'claim_invalid',
    ],
    [
      'without client_id',
      () => mandate({ client_id: undefined }),
      "subject_token is missing the 'client_id' claim",
      'claim_invalid',
    ],
    ['revoked', () => mandate({ jti: 'revoked-jti' }), 'subject_token has been revoked', 'revoked'],
  ])('refuses one %s', async (_, token, description, reason) => {
    expect(await refusal(await token())).toEqual(refused(description, reason));
  });

  it('refuses one presented as an id_token', async () => {
    expect(await refusal(await mandate(), TokenType.idToken)).toEqual(
      refused('subject_token is an access token, not an id_token', 'type_mismatch'),
    );
  });
});

describe('createTokenVerifier: trusted issuers’ tokens', () => {
  it("verifies one with the issuer's claim profile: groups, and scopes where every scope claim agrees", async () => {
    const v = await createTokenVerifier(deps()).verify(
      await foreign(
        { roles: ['sales'], permissions: ['crm.read'], scope: 'crm.read crm.write' },
        { typ: 'JWT' },
      ),
      AT,
      'subject_token',
    );
    expect(v.self).toBe(false);
    expect(v.claims).toMatchObject({ iss: IDP, sub: 'alice', groups: ['sales'] });
    expect(v.claims.scopes).toEqual(['crm.read']);
    expect(v.claims.jti).toBeUndefined();
  });

  it('gives a token without scope claim no scopes, or leaves them to the policy when told so', async () => {
    const verifier = createTokenVerifier(deps());
    expect((await verifier.verify(await foreign(), AT, 'x')).claims.scopes).toEqual([]);
    const lenient = await foreign({ iss: 'https://lenient.example' });
    expect((await verifier.verify(lenient, AT, 'x')).claims.scopes).toBeUndefined();
    const id = await verifier.verify(await foreign(), TokenType.idToken, 'x', { identityAssertion: true });
    expect(id.claims.scopes).toBeUndefined();
  });

  it.each([
    [
      'from no issuer',
      () => foreign({ iss: undefined }),
      AT,
      'subject_token is from an issuer that is not trusted',
      'untrusted_issuer',
    ],
    [
      'from an unknown issuer',
      () => foreign({ iss: 'https://evil.example' }),
      AT,
      'subject_token is from an issuer that is not trusted',
      'untrusted_issuer',
    ],
    [
      'of a type the issuer is not trusted for',
      () => foreign({ iss: 'https://at-only.example' }),
      TokenType.idToken,
      'subject_token of type id_token is not accepted from this issuer',
      'type_not_accepted',
    ],
    [
      'with typ at+jwt as an id_token',
      () => foreign({}, { typ: 'at+jwt' }),
      TokenType.idToken,
      'subject_token is an access token, not an id_token',
      'type_mismatch',
    ],
    [
      'with another typ as an access token',
      () => foreign({}, { typ: 'example+jwt' }),
      AT,
      "subject_token has typ 'example+jwt', not an access token",
      'type_mismatch',
    ],
    [
      'signed by another key',
      () => foreign({}, {}, otherKey.privateKey),
      AT,
      'subject_token signature verification failed',
      'bad_signature',
    ],
    ['expired', () => foreign({ exp: NOW - 31 }), AT, 'subject_token has expired', 'expired'],
    [
      'not yet valid',
      () => foreign({ nbf: NOW + 31 }),
      AT,
      'subject_token is not yet valid',
      'not_yet_valid',
    ],
    [
      'issued in the future',
      () => foreign({ iat: NOW + 31 }),
      AT,
      'subject_token is issued in the future',
      'iat_future',
    ],
    ['without sub', () => foreign({ sub: undefined }), AT, 'subject_token sub claim is missing', 'claim_sub'],
  ])('refuses one %s', async (_, token, type, description, reason) => {
    expect(await refusal(await token(), type)).toEqual(refused(description, reason));
  });

  it('accepts a token within the clock skew', async () => {
    const verifier = createTokenVerifier(deps());
    const late = await foreign({ exp: NOW - 29, iat: NOW + 29, nbf: NOW + 29 });
    expect((await verifier.verify(late, AT, 'x')).claims.exp).toBe(NOW - 29);
  });

  it('answers an unreachable issuer registry or key set temporarily_unavailable', async () => {
    const down = deps({ issuers: { get: () => Promise.reject(new Error('db down')) } });
    expect(await refusal(await foreign(), AT, down)).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the trusted issuer registry is unavailable; try again shortly',
      reason: 'issuer_store_unavailable',
      headers: { 'Retry-After': '2' },
    });
    expect(await refusal(await foreign({ iss: 'https://down.example' }))).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the key set for subject_token could not be fetched',
      reason: 'jwks_unreachable',
      headers: { 'Retry-After': '5' },
    });
  });
});

describe('createTokenVerifier: before any key is looked at', () => {
  it('refuses an unsupported token type as invalid_request', async () => {
    expect(await refusal(await foreign(), 'urn:example:saml')).toEqual({
      error: 'invalid_request',
      error_description: "unsupported subject_token_type 'urn:example:saml'",
      reason: 'token_type_unsupported',
      headers: {},
    });
  });

  it.each([
    ['not a compact JWS', 'a.b', 'subject_token is not a signed JWT', 'not_jws'],
    ['not a JWT', 'a.b.c', 'subject_token is not a well-formed JWT', 'malformed'],
  ])('refuses a token that is %s', async (_, token, description, reason) => {
    expect(await refusal(token)).toEqual(refused(description, reason));
  });

  it.each([
    'dpop+jwt',
    'application/oauth-id-jag+jwt',
    'Logout+JWT',
    'secevent+jwt',
    'token-introspection+jwt',
  ])('refuses a JWT of typ %s, whoever signed it', async (typ) => {
    const normal = typ.toLowerCase().replace(/^application\//, '');
    const description = `subject_token has type '${normal}', not a usable token`;
    expect(await refusal(await foreign({}, { typ }))).toEqual(refused(description, 'typ'));
    expect(await refusal(await mandate({}, { typ }))).toEqual(refused(description, 'typ'));
  });
});

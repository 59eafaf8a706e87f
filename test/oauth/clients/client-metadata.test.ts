/** Client metadata (RFC 7591 §2, CIMD §4): every refusal's wire error, description and reason. */
import { describe, expect, it } from 'vitest';
import { parseClientMetadata, selfRegisteredClient } from '../../../src/oauth/clients/client-metadata.js';
import { OAuthError } from '../../../src/oauth/errors.js';

const CB = 'https://app.example/cb';
const ok = { redirect_uris: [CB], token_endpoint_auth_method: 'none' };
const jwk = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};

function refusal(input: unknown, profile: 'dcr' | 'cimd' = 'dcr') {
  try {
    parseClientMetadata(input, profile);
  } catch (e) {
    expect(e).toBeInstanceOf(OAuthError);
    const err = e as OAuthError;
    return { ...err.toJSON(), reason: err.reason };
  }
  throw new Error('expected a refusal');
}

describe('parseClientMetadata', () => {
  it('fills the defaults: authorization_code, code, client_secret_basic (dcr) or none (cimd)', () => {
    const m = parseClientMetadata({ redirect_uris: [CB, CB], scope: ' b a b ' }, 'dcr');
    expect(m).toEqual({
      redirectUris: [CB],
      grantTypes: ['authorization_code'],
      responseTypes: ['code'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      clientName: undefined,
      scope: 'b a',
      jwks: undefined,
      jwksUri: undefined,
    });
    expect(parseClientMetadata({ redirect_uris: [CB] }, 'cimd').tokenEndpointAuthMethod).toBe('none');
    expect(parseClientMetadata({ ...ok, scope: '  ', client_name: '  App ' }, 'dcr')).toMatchObject({
      scope: undefined,
      clientName: 'App',
    });
  });

  it.each([
    [null, 'client metadata must be a JSON object', 'not_object'],
    [[ok], 'client metadata must be a JSON object', 'not_object'],
    [
      { ...ok, redirect_uris: 'x' },
      'redirect_uris: Invalid input: expected array, received string',
      'schema',
    ],
    [
      { ...ok, client_name: 'a\u0000b' },
      'client_name: must not contain U+0000 or unpaired surrogates',
      'schema',
    ],
    [
      { ...ok, token_endpoint_auth_method: 'tls_client_auth' },
      "token_endpoint_auth_method 'tls_client_auth' is not supported",
      'auth_method',
    ],
    [
      { ...ok, grant_types: ['client_credentials'] },
      "grant_type 'client_credentials' is not available to self-registered clients",
      'grant',
    ],
    [
      { ...ok, grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'] },
      "grant_type 'urn:ietf:params:oauth:grant-type:token-exchange' is not available to self-registered clients",
      'grant',
    ],
    [
      { ...ok, response_types: ['token'] },
      "response_type 'token' is not supported: use 'code'",
      'response_type',
    ],
    [
      { ...ok, grant_types: ['refresh_token'] },
      "grant_types must include 'authorization_code', the grant of response_type 'code'",
      'inconsistent',
    ],
    [
      { ...ok, jwks: { keys: [jwk] }, jwks_uri: 'https://app.example/jwks' },
      'jwks and jwks_uri must not both be present (RFC 7591 section 2)',
      'jwks_both',
    ],
    [
      { ...ok, token_endpoint_auth_method: 'private_key_jwt' },
      'private_key_jwt needs jwks or jwks_uri',
      'jwks_missing',
    ],
    [{ ...ok, jwks: { keys: [jwk] } }, 'jwks and jwks_uri are only used with private_key_jwt', 'jwks_unused'],
    [
      { ...ok, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...jwk, d: 'secret' }] } },
      'jwks must hold public keys only',
      'jwks_private',
    ],
    [
      {
        ...ok,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
      },
      'jwks must hold public keys only',
      'jwks_private',
    ],
    [
      { ...ok, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ crv: 'P-256' }] } },
      'jwks must hold public keys only',
      'jwks_private',
    ],
    [
      { ...ok, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://app.example/jwks' },
      'jwks_uri must be an https URL',
      'jwks_uri',
    ],
    [{ ...ok, scope: 'read "write"' }, 'scope is malformed', 'scope'],
  ])('refuses %j as invalid_client_metadata: %s', (input, description, reason) => {
    expect(refusal(input)).toEqual({
      error: 'invalid_client_metadata',
      error_description: description,
      reason,
    });
  });

  it('refuses a jwk holding a value a key cannot hold (too deep, not finite)', () => {
    const deep = { a: { b: { c: { d: { e: 1 } } } } };
    const input = {
      ...ok,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...jwk, x5c: deep }] },
    };
    expect(refusal(input).reason).toBe('schema');
  });

  it('bounds the number of redirect URIs and keys', () => {
    const many = Array.from({ length: 21 }, (_, i) => `${CB}${i}`);
    expect(refusal({ ...ok, redirect_uris: many }).reason).toBe('schema');
    expect(parseClientMetadata({ ...ok, redirect_uris: many.slice(0, 20) }, 'dcr').redirectUris).toHaveLength(
      20,
    );
  });

  it('refuses missing and unacceptable redirect URIs as invalid_redirect_uri', () => {
    expect(refusal({ token_endpoint_auth_method: 'none' })).toEqual({
      error: 'invalid_redirect_uri',
      error_description: 'redirect_uris is required for the authorization code flow',
      reason: 'redirect_missing',
    });
    expect(refusal({ ...ok, redirect_uris: ['https://app.example/cb#frag'] })).toMatchObject({
      error: 'invalid_redirect_uri',
      reason: 'redirect_uri',
    });
  });

  it('refuses secrets in a metadata document, and the methods that need one (CIMD §4.1)', () => {
    const secret = {
      error: 'invalid_client_metadata',
      error_description: 'a client metadata document must not contain a client secret',
      reason: 'cimd_secret',
    };
    expect(refusal({ ...ok, client_secret: 's' }, 'cimd')).toEqual(secret);
    expect(refusal({ ...ok, client_secret_expires_at: 0 }, 'cimd')).toEqual(secret);
    expect(refusal({ ...ok, token_endpoint_auth_method: 'client_secret_post' }, 'cimd')).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'a client metadata document cannot use client_secret_post: it has no secret',
      reason: 'cimd_secret',
    });
    // Registration may name a secret method (Mandate issues the secret).
    expect(
      parseClientMetadata({ ...ok, token_endpoint_auth_method: 'client_secret_post' }, 'dcr')
        .tokenEndpointAuthMethod,
    ).toBe('client_secret_post');
  });

  it('accepts private_key_jwt with public keys or an https jwks_uri', () => {
    const m = parseClientMetadata(
      { ...ok, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } },
      'cimd',
    );
    expect(m.jwks).toEqual({ keys: [jwk] });
    expect(
      parseClientMetadata(
        { ...ok, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://app.example/jwks' },
        'dcr',
      ).jwksUri,
    ).toBe('https://app.example/jwks');
  });
});

describe('selfRegisteredClient', () => {
  it('stores the metadata as a self-registered client, trusted and sourced as its kind, with no audiences', () => {
    const m = parseClientMetadata(
      { ...ok, scope: 'read', grant_types: ['authorization_code', 'refresh_token'] },
      'cimd',
    );
    const c = selfRegisteredClient(m, {
      clientId: 'https://app.example/client.json',
      clientName: 'App',
      secretHash: null,
      kind: 'cimd',
      now: 100,
      lastUsedAt: null,
      expiresAt: 900,
    });
    expect(c).toEqual({
      clientId: 'https://app.example/client.json',
      clientName: 'App',
      secretHash: null,
      tokenEndpointAuthMethod: 'none',
      jwks: null,
      jwksUri: null,
      grantTypes: ['authorization_code', 'refresh_token'],
      audiences: [],
      redirectUris: [CB],
      scope: 'read',
      trust: 'cimd',
      source: 'cimd',
      createdAt: 100,
      updatedAt: 100,
      lastUsedAt: null,
      expiresAt: 900,
    });
  });
});

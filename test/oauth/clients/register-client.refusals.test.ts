import { describe, expect, it } from 'vitest';
import { useRegistration } from './registration-harness.js';

describe('RFC 7591 dynamic client registration over HTTP: refusals', () => {
  const { register } = useRegistration();

  const redirect = ['https://app.example.com/cb'];
  it.each([
    [
      'no redirect_uris',
      {},
      'invalid_redirect_uri',
      'redirect_uris is required for the authorization code flow',
    ],
    [
      'empty redirect_uris',
      { redirect_uris: [] },
      'invalid_redirect_uri',
      'redirect_uris is required for the authorization code flow',
    ],
    [
      'a fragment',
      { redirect_uris: ['https://app.example.com/cb#x'] },
      'invalid_redirect_uri',
      'redirect_uri https://app.example.com/cb#x must not contain a fragment',
    ],
    [
      'plain http off loopback',
      { redirect_uris: ['http://app.example.com/cb'] },
      'invalid_redirect_uri',
      'redirect_uri http://app.example.com/cb must use https unless the host is loopback',
    ],
    [
      'a relative URI',
      { redirect_uris: ['/cb'] },
      'invalid_redirect_uri',
      'redirect_uri /cb is not an absolute URI',
    ],
    [
      'a javascript: URI',
      { redirect_uris: ['javascript:alert(1)'] },
      'invalid_redirect_uri',
      'redirect_uri javascript:alert(1) must not use the javascript: scheme',
    ],
    [
      'a redirect URI without a host (issue 10 §7)',
      { redirect_uris: ['https:///cb'] },
      'invalid_redirect_uri',
      'redirect_uri https:///cb must name a host',
    ],
    [
      'a backslash authority',
      { redirect_uris: ['https:\\\\evil.example/cb'] },
      'invalid_redirect_uri',
      'redirect_uri https:??evil.example/cb must name a host',
    ],
    [
      'a loopback redirect URI with userinfo',
      { redirect_uris: ['http://evil.example@127.0.0.1:4000/cb'] },
      'invalid_redirect_uri',
      'redirect_uri http://evil.example@127.0.0.1:4000/cb must not contain credentials',
    ],
    [
      'a redirect URI the URL parser would rewrite',
      { redirect_uris: ['https://app.example.com/a/../cb'] },
      'invalid_redirect_uri',
      'redirect_uri https://app.example.com/a/../cb must be written as the URL it resolves to (https://app.example.com/cb)',
    ],
    [
      'a non-string redirect URI',
      { redirect_uris: [42] },
      'invalid_client_metadata',
      'redirect_uris.0: Invalid input: expected string, received number',
    ],
    [
      'an unknown auth method',
      { redirect_uris: redirect, token_endpoint_auth_method: 'client_secret_jwt' },
      'invalid_client_metadata',
      "token_endpoint_auth_method 'client_secret_jwt' is not supported",
    ],
    [
      'the implicit grant',
      { redirect_uris: redirect, grant_types: ['implicit'] },
      'invalid_client_metadata',
      "grant_type 'implicit' is not available to self-registered clients",
    ],
    [
      'the password grant',
      { redirect_uris: redirect, grant_types: ['authorization_code', 'password'] },
      'invalid_client_metadata',
      "grant_type 'password' is not available to self-registered clients",
    ],
    [
      'token exchange',
      { redirect_uris: redirect, grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'] },
      'invalid_client_metadata',
      "grant_type 'urn:ietf:params:oauth:grant-type:token-exchange' is not available to self-registered clients",
    ],
    [
      'response_type token',
      { redirect_uris: redirect, response_types: ['token'] },
      'invalid_client_metadata',
      "response_type 'token' is not supported: use 'code'",
    ],
    [
      'refresh_token without authorization_code',
      { redirect_uris: redirect, grant_types: ['refresh_token'] },
      'invalid_client_metadata',
      "grant_types must include 'authorization_code', the grant of response_type 'code'",
    ],
    [
      'private_key_jwt without keys',
      { redirect_uris: redirect, token_endpoint_auth_method: 'private_key_jwt' },
      'invalid_client_metadata',
      'private_key_jwt needs jwks or jwks_uri',
    ],
    [
      'jwks and jwks_uri',
      {
        redirect_uris: redirect,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ kty: 'EC' }] },
        jwks_uri: 'https://a.example/jwks',
      },
      'invalid_client_metadata',
      'jwks and jwks_uri must not both be present (RFC 7591 section 2)',
    ],
    [
      'a private key in jwks',
      {
        redirect_uris: redirect,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ kty: 'EC', d: 'secret' }] },
      },
      'invalid_client_metadata',
      'jwks must hold public keys only',
    ],
    [
      'a symmetric key in jwks',
      {
        redirect_uris: redirect,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
      },
      'invalid_client_metadata',
      'jwks must hold public keys only',
    ],
    [
      'an http jwks_uri',
      {
        redirect_uris: redirect,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: 'http://a.example/jwks',
      },
      'invalid_client_metadata',
      'jwks_uri must be an https URL',
    ],
    [
      'keys with a secret method',
      { redirect_uris: redirect, jwks_uri: 'https://a.example/jwks' },
      'invalid_client_metadata',
      'jwks and jwks_uri are only used with private_key_jwt',
    ],
    [
      'a malformed scope',
      { redirect_uris: redirect, scope: 'crm."read' },
      'invalid_client_metadata',
      'scope is malformed',
    ],
    ['a JSON array', [], 'invalid_client_metadata', 'client metadata must be a JSON object'],
    ['a JSON string', 'null', 'invalid_client_metadata', 'client metadata must be a JSON object'],
  ])('refuses %s', async (_name, body, error, description) => {
    const res = await register(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error, error_description: description });
  });

  it('refuses a body that is not JSON', async () => {
    const res = await register('redirect_uris=https://a.example/cb', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'registration requests are application/json (RFC 7591 section 3.1)',
    });
  });

  it('refuses malformed JSON', async () => {
    const res = await register('{"redirect_uris": [');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'request body is malformed',
    });
  });

  it('refuses a body over 16 KiB before parsing it', async () => {
    const res = await register({ redirect_uris: redirect, client_name: 'x'.repeat(17 * 1024) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'request body is too large',
    });
  });
});

/**
 * Authorization requests (RFC 6749 §4.1.1, OAuth 2.1 §4.1.1, RFC 8707, RFC 9449 §10): the typed
 * request exactly; until client and redirect URI are good a refusal is a page (never an open
 * redirector), after that it goes back to the client with its state; exact error, text and reason.
 */
import { describe, expect, it } from 'vitest';
import type { OAuthClient } from '../../../src/oauth/clients/client.js';
import type { OAuthContext } from '../../../src/oauth/context.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import type { FirstHop } from '../../../src/oauth/first-hop.js';
import { Params } from '../../../src/oauth/params.js';
import { createResourceRegistry } from '../../../src/oauth/protected-resources.js';
import {
  AuthorizeError,
  validateAuthorizationRequest,
} from '../../../src/oauth/authorize/authorization-request.js';

const MCP = 'https://mcp.example/mcp';
const REDIRECT = 'https://app.example/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const client = (clientId: string, over: Partial<OAuthClient> = {}): OAuthClient => ({
  clientId,
  tokenEndpointAuthMethod: 'none',
  grantTypes: ['authorization_code'],
  audiences: [],
  trust: 'dynamic',
  redirectUris: [REDIRECT, 'http://127.0.0.1/callback'],
  ...over,
});
const clients = new Map<string, OAuthClient>([
  ['app', client('app')],
  ['one-uri', client('one-uri', { redirectUris: [REDIRECT] })],
  ['exchanger', client('exchanger', { grantTypes: ['urn:ietf:params:oauth:grant-type:token-exchange'] })],
]);
const ctx = {
  clients: {
    get: async (id: string) => {
      if (id === 'https://cimd.example/broken')
        throw new OAuthError('invalid_client', 'document unreachable', { reason: 'cimd_unreachable' });
      if (id === 'store-down') throw new Error('connection refused');
      return clients.get(id);
    },
  },
} as unknown as OAuthContext;
const fh = {
  resources: createResourceRegistry([{ resource: MCP, name: 'MCP', scopes_supported: ['read', 'write'] }]),
} as unknown as FirstHop;

const base: Record<string, string> = {
  client_id: 'app',
  redirect_uri: REDIRECT,
  response_type: 'code',
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
  resource: MCP,
  state: 'xyz',
};
/** The query of `base` with `over` (undefined drops a parameter, an array repeats it). */
function query(over: Record<string, string | string[] | undefined> = {}): Params {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...base, ...over }))
    for (const one of v === undefined ? [] : [v].flat()) q.append(k, one);
  return Params.parse(q.toString());
}
async function refusal(over: Record<string, string | string[] | undefined>) {
  const err = await validateAuthorizationRequest(query(over), ctx, fh).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AuthorizeError);
  const e = err as AuthorizeError;
  return { error: e.error, description: e.message, target: e.target, reason: e.reason };
}
const back = { redirectUri: REDIRECT, state: 'xyz' };

describe('validateAuthorizationRequest', () => {
  it('reads the request: client, redirect URI as sent, PKCE, resource, scopes, DPoP key, prompt', async () => {
    const req = await validateAuthorizationRequest(
      query({ scope: 'read read write', dpop_jkt: JKT, prompt: 'login consent' }),
      ctx,
      fh,
    );
    expect(req).toEqual({
      client: clients.get('app'),
      redirectUri: REDIRECT,
      redirectUriSent: true,
      state: 'xyz',
      codeChallenge: CHALLENGE,
      resource: { resource: MCP, name: 'MCP', scopesSupported: ['read', 'write'] },
      scopes: ['read', 'write'],
      dpopJkt: JKT,
      prompt: ['login', 'consent'],
    });
  });

  it("defaults: the one registered URI, the resource's scopes, no state, prompt or key", async () => {
    const req = await validateAuthorizationRequest(
      query({ client_id: 'one-uri', redirect_uri: undefined, state: undefined, response_mode: 'query' }),
      ctx,
      fh,
    );
    expect(req).toMatchObject({ redirectUri: REDIRECT, redirectUriSent: false, state: undefined });
    expect(req).toMatchObject({ scopes: ['read', 'write'], dpopJkt: undefined, prompt: [] });
  });

  it('takes a loopback redirect URI on any port, as sent (RFC 8252 §7.3)', async () => {
    const req = await validateAuthorizationRequest(
      query({ redirect_uri: 'http://127.0.0.1:51234/callback' }),
      ctx,
      fh,
    );
    expect(req.redirectUri).toBe('http://127.0.0.1:51234/callback');
  });

  it('lets an unusable client lookup through: the server fails, not the client', async () => {
    await expect(validateAuthorizationRequest(query({ client_id: 'store-down' }), ctx, fh)).rejects.toThrow(
      'connection refused',
    );
  });

  it.each([
    ['no client_id', { client_id: undefined }, "missing required parameter 'client_id'", undefined],
    [
      'a repeated client_id',
      { client_id: ['app', 'app'] },
      "parameter 'client_id' must not be repeated",
      undefined,
    ],
    ['an unknown client', { client_id: 'nobody' }, 'unknown client_id', 'authorize_unknown_client'],
    [
      'a client whose metadata cannot be had',
      { client_id: 'https://cimd.example/broken' },
      'client_id is not usable: document unreachable',
      'client_lookup',
    ],
    [
      'no redirect_uri when two are registered',
      { redirect_uri: undefined },
      "missing required parameter 'redirect_uri'",
      'redirect_uri_missing',
    ],
    [
      'an unregistered redirect_uri',
      { redirect_uri: 'https://evil.example/cb' },
      'redirect_uri is not registered for this client',
      'redirect_uri_unregistered',
    ],
    [
      'a repeated redirect_uri',
      { redirect_uri: [REDIRECT, REDIRECT] },
      "parameter 'redirect_uri' must not be repeated",
      undefined,
    ],
    [
      'a bad redirect_uri, whatever else is wrong',
      { redirect_uri: 'https://evil.example/cb', response_type: 'token', request: 'x' },
      'redirect_uri is not registered for this client',
      'redirect_uri_unregistered',
    ],
  ])('shows a page, never redirecting, for %s', async (_, over, description, reason) => {
    expect(await refusal(over)).toEqual({ error: 'invalid_request', description, target: undefined, reason });
  });

  it.each([
    [
      'a repeated state',
      { state: ['a', 'b'] },
      'invalid_request',
      "parameter 'state' must not be repeated",
      undefined,
    ],
    [
      'a request object',
      { request: 'e30.e30.' },
      'request_not_supported',
      'request objects are not supported',
      undefined,
    ],
    [
      'a request_uri',
      { request_uri: 'urn:x' },
      'request_uri_not_supported',
      'request_uri is not supported',
      undefined,
    ],
    [
      'no response_type',
      { response_type: undefined },
      'invalid_request',
      "missing required parameter 'response_type'",
      undefined,
    ],
    [
      'response_type token',
      { response_type: 'token' },
      'unsupported_response_type',
      "only response_type 'code' is supported (OAuth 2.1)",
      'authorize_response_type',
    ],
    [
      'response_mode fragment',
      { response_mode: 'fragment' },
      'invalid_request',
      "only response_mode 'query' is supported",
      undefined,
    ],
    [
      'a client without the code grant',
      { client_id: 'exchanger' },
      'unauthorized_client',
      'this client may not use the authorization code grant',
      'grant_type',
    ],
    [
      'no code_challenge',
      { code_challenge: undefined },
      'invalid_request',
      'code_challenge is required (PKCE)',
      'pkce_missing',
    ],
    [
      'no code_challenge_method',
      { code_challenge_method: undefined },
      'invalid_request',
      "code_challenge_method must be S256 ('plain' is not allowed)",
      'pkce_method',
    ],
    [
      'plain PKCE',
      { code_challenge_method: 'plain' },
      'invalid_request',
      "code_challenge_method must be S256 ('plain' is not allowed)",
      'pkce_method',
    ],
    [
      'another method',
      { code_challenge_method: 'S512' },
      'invalid_request',
      "unsupported code_challenge_method 'S512'",
      'pkce_method',
    ],
    [
      'a malformed challenge',
      { code_challenge: 'short' },
      'invalid_request',
      'code_challenge is malformed',
      'pkce_malformed',
    ],
    [
      'no resource',
      { resource: undefined },
      'invalid_target',
      "missing required parameter 'resource' (RFC 8707): name the MCP server",
      'resource_missing',
    ],
    [
      'two resources',
      { resource: [MCP, 'https://other.example/mcp'] },
      'invalid_target',
      'request one resource at a time',
      'resource_many',
    ],
    [
      'an unknown resource',
      { resource: 'https://other.example/mcp' },
      'invalid_target',
      'resource is not a protected resource served by this authorization server',
      'unknown_resource',
    ],
    [
      'a malformed scope',
      { scope: 'read "write"' },
      'invalid_scope',
      'malformed scope token \'"write"\'',
      undefined,
    ],
    [
      'a repeated scope',
      { scope: ['read', 'write'] },
      'invalid_request',
      "parameter 'scope' must not be repeated",
      undefined,
    ],
    [
      'a malformed dpop_jkt',
      { dpop_jkt: 'abc' },
      'invalid_request',
      'dpop_jkt must be a base64url SHA-256 JWK thumbprint (RFC 9449 section 10)',
      undefined,
    ],
    [
      'prompt none with another',
      { prompt: 'none login' },
      'invalid_request',
      "prompt 'none' must be alone",
      undefined,
    ],
  ])('redirects back with the state for %s', async (_, over, error, description, reason) => {
    const target = 'state' in over && Array.isArray(over.state) ? { ...back, state: undefined } : back;
    expect(await refusal(over)).toEqual({ error, description, target, reason });
  });
});

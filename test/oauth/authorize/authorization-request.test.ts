/**
 * Authorization requests (RFC 6749 §4.1.1, OAuth 2.1 §4.1.1, RFC 8707, RFC 9449 §10): the typed
 * request exactly; until client and redirect URI are good a refusal is a page (never an open
 * redirector), with its exact text and reason. What goes back to the client after that is in
 * authorization-request.redirects.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { validateAuthorizationRequest } from '../../../src/oauth/authorize/authorization-request.js';

import {
  CHALLENGE,
  clients,
  ctx,
  fh,
  JKT,
  MCP,
  query,
  REDIRECT,
  refusal,
} from './authorization-request-setup.js';

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
    ['no client_id', { client_id: undefined }, "missing required parameter 'client_id'", 'parameter_missing'],
    [
      'a repeated client_id',
      { client_id: ['app', 'app'] },
      "parameter 'client_id' must not be repeated",
      'parameter_repeated',
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
      'parameter_repeated',
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
});

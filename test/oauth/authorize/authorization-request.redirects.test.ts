/**
 * Refusals of an authorization request once its client and redirect URI are good (RFC 6749
 * §4.1.2.1): each goes back to the client's redirect URI with its state, and names the registered
 * client (for its log line); exact error, text and reason.
 */
import { describe, expect, it } from 'vitest';
import { back, MCP, refusal } from './authorization-request-setup.js';

describe('validateAuthorizationRequest refusals that redirect', () => {
  it.each([
    [
      'a repeated state',
      { state: ['a', 'b'] },
      'invalid_request',
      "parameter 'state' must not be repeated",
      'parameter_repeated',
    ],
    [
      'a request object',
      { request: 'e30.e30.' },
      'request_not_supported',
      'request objects are not supported',
      'request_object',
    ],
    [
      'a request_uri',
      { request_uri: 'urn:x' },
      'request_uri_not_supported',
      'request_uri is not supported',
      'request_uri',
    ],
    [
      'no response_type',
      { response_type: undefined },
      'invalid_request',
      "missing required parameter 'response_type'",
      'parameter_missing',
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
      'response_mode',
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
      'scope_malformed',
    ],
    [
      'a repeated scope',
      { scope: ['read', 'write'] },
      'invalid_request',
      "parameter 'scope' must not be repeated",
      'parameter_repeated',
    ],
    [
      'a malformed dpop_jkt',
      { dpop_jkt: 'abc' },
      'invalid_request',
      'dpop_jkt must be a base64url SHA-256 JWK thumbprint (RFC 9449 section 10)',
      'dpop_jkt_malformed',
    ],
    [
      'prompt none with another',
      { prompt: 'none login' },
      'invalid_request',
      "prompt 'none' must be alone",
      'prompt_none_alone',
    ],
  ])('redirects back with the state for %s', async (_, over, error, description, reason) => {
    const clientId = 'client_id' in over ? over.client_id : back.clientId;
    const state = 'state' in over && Array.isArray(over.state) ? undefined : back.state;
    expect(await refusal(over)).toEqual({ error, description, target: { ...back, clientId, state }, reason });
  });
});

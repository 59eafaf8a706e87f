/**
 * The kit's challenges as the MCP TypeScript SDK client reads them (its own parser, unmodified):
 * the 401 gives it the metadata URL and the scope to ask for, the 403 the error and the step-up scope.
 */
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../src/errors.js';
import { createResourceServer } from '../src/resource.js';
import { claims, ISSUER, jwksEndpoint, mint, RESOURCE, signingKey, type SigningKey } from './keys.js';

const NOW = Math.floor(Date.now() / 1000);
let key: SigningKey;
beforeAll(async () => {
  key = await signingKey('k1');
});

const rs = () =>
  createResourceServer({
    resource: RESOURCE,
    issuer: ISSUER,
    fetch: jwksEndpoint([key]).fetch,
    scopesSupported: ['crm.read', 'crm.write'],
    requiredScopes: ['crm.read'],
    now: () => NOW,
  });

function asResponse(err: unknown): Response {
  expect(err).toBeInstanceOf(OAuthError);
  const e = err as OAuthError;
  return new Response(JSON.stringify(e.toJSON()), { status: e.status, headers: e.headers });
}

describe('kit challenges read by the MCP SDK client', () => {
  it('401 without a token: the metadata URL and the scope to request', async () => {
    const err = await rs()
      .authenticate({ method: 'POST', target: '/mcp' })
      .catch((e: unknown) => e);
    expect(extractWWWAuthenticateParams(asResponse(err))).toEqual({
      resourceMetadataUrl: new URL('https://mcp.test.example/.well-known/oauth-protected-resource/mcp'),
      scope: 'crm.read',
      error: undefined,
    });
  });

  it('401 with a bad token: invalid_token, same metadata URL', async () => {
    const token = await mint(key, claims(NOW, { exp: NOW - 3600, iat: NOW - 4000 }));
    const err = await rs()
      .authenticate({ method: 'POST', target: '/mcp', authorization: `Bearer ${token}` })
      .catch((e: unknown) => e);
    expect(extractWWWAuthenticateParams(asResponse(err))).toMatchObject({
      error: 'invalid_token',
      scope: 'crm.read',
    });
  });

  it('403 insufficient_scope: the scope the SDK re-authorizes with keeps what the token had', async () => {
    const server = rs();
    const token = await mint(key, claims(NOW, { scope: 'crm.read' }));
    const access = await server.authenticate({
      method: 'POST',
      target: '/mcp',
      authorization: `Bearer ${token}`,
    });
    let err: unknown;
    try {
      server.requireScopes(access, ['crm.write']);
    } catch (e) {
      err = e;
    }
    const res = asResponse(err);
    expect(res.status).toBe(403);
    expect(extractWWWAuthenticateParams(res)).toEqual({
      resourceMetadataUrl: new URL('https://mcp.test.example/.well-known/oauth-protected-resource/mcp'),
      scope: 'crm.read crm.write',
      error: 'insufficient_scope',
    });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../src/errors.js';
import { generateDpopKey, type DpopKey } from '../src/dpop/client.js';
import { createResourceServer, type ResourceServerOptions } from '../src/resource.js';
import { claims, ISSUER, jwksEndpoint, mint, RESOURCE, signingKey, type SigningKey } from './keys.js';

const NOW = Math.floor(Date.now() / 1000);
const PRM = 'https://mcp.test.example/.well-known/oauth-protected-resource/mcp';
let key: SigningKey;
let dpopKey: DpopKey;
beforeAll(async () => {
  key = await signingKey('k1');
  dpopKey = await generateDpopKey();
});

function server(opts: Partial<ResourceServerOptions> = {}) {
  return createResourceServer({
    resource: RESOURCE,
    issuer: ISSUER,
    fetch: jwksEndpoint([key]).fetch,
    scopesSupported: ['crm.read', 'crm.write'],
    requiredScopes: ['crm.read'],
    now: () => NOW,
    ...opts,
  });
}

async function refusal(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  const e = err as OAuthError;
  return { status: e.status, body: e.toJSON(), challenge: e.headers['WWW-Authenticate'] };
}

describe('protected resource (MCP authorization, RFC 9728, RFC 6750 §3)', () => {
  it('publishes RFC 9728 metadata at the path-suffixed well-known URL', () => {
    const rs = server({ resourceName: 'Test CRM' });
    expect(rs.metadataPath).toBe('/.well-known/oauth-protected-resource/mcp');
    expect(rs.metadataUrl).toBe(PRM);
    expect(rs.metadata).toEqual({
      resource: RESOURCE,
      authorization_servers: [ISSUER],
      scopes_supported: ['crm.read', 'crm.write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Test CRM',
      dpop_signing_alg_values_supported: [
        'ES256',
        'ES384',
        'ES512',
        'PS256',
        'PS384',
        'PS512',
        'RS256',
        'EdDSA',
      ],
    });
    expect(server({ dpop: { required: true } }).metadata.dpop_bound_access_tokens_required).toBe(true);
  });

  it('answers a request without a token with 401 and resource_metadata and scope, no error', async () => {
    expect(await refusal(server().authenticate({ method: 'POST', target: '/mcp' }))).toEqual({
      status: 401,
      body: {},
      challenge: `Bearer resource_metadata="${PRM}", scope="crm.read"`,
    });
  });

  it('treats another scheme like no token', async () => {
    const r = await refusal(
      server().authenticate({ method: 'POST', target: '/mcp', authorization: 'Basic YTpi' }),
    );
    expect(r.challenge).toBe(`Bearer resource_metadata="${PRM}", scope="crm.read"`);
    expect(r.body).toEqual({});
  });

  it('answers a presented but bad token with error="invalid_token"', async () => {
    const token = await mint(key, claims(NOW, { aud: 'https://api.salesforce.example' }));
    expect(
      await refusal(
        server().authenticate({ method: 'POST', target: '/mcp', authorization: `Bearer ${token}` }),
      ),
    ).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'access token is not for this resource' },
      challenge: `Bearer resource_metadata="${PRM}", error="invalid_token", error_description="access token is not for this resource", scope="crm.read"`,
    });
  });

  it('answers missing scopes with 403 insufficient_scope naming granted plus needed scopes', async () => {
    const rs = server();
    const token = await mint(key, claims(NOW, { scope: 'crm.read' }));
    const access = await rs.authenticate({
      method: 'POST',
      target: '/mcp',
      authorization: `Bearer ${token}`,
    });
    expect(access).toMatchObject({
      sub: 'alice',
      clientId: 'claude-desktop',
      scopes: ['crm.read'],
      scheme: 'Bearer',
    });
    let err: unknown;
    try {
      rs.requireScopes(access, ['crm.write']);
    } catch (e) {
      err = e;
    }
    const e = err as OAuthError;
    expect([e.status, e.toJSON(), e.headers['WWW-Authenticate']]).toEqual([
      403,
      { error: 'insufficient_scope', error_description: 'this request needs scope crm.write' },
      `Bearer resource_metadata="${PRM}", error="insufficient_scope", error_description="this request needs scope crm.write", scope="crm.read crm.write"`,
    ]);
  });

  it('requires DPoP when configured: an unbound Bearer token gets a DPoP challenge with algs', async () => {
    const rs = server({ dpop: { required: true, algorithms: ['ES256'] } });
    const token = await mint(key, claims(NOW));
    expect(
      await refusal(rs.authenticate({ method: 'GET', target: '/mcp', authorization: `Bearer ${token}` })),
    ).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'this resource requires a DPoP-bound access token' },
      challenge: `DPoP resource_metadata="${PRM}", error="invalid_token", error_description="this resource requires a DPoP-bound access token", algs="ES256"`,
    });
  });

  it('accepts a DPoP-bound token with its proof once, and refuses the replayed proof', async () => {
    const rs = server({ dpop: { required: true } });
    const token = await mint(key, claims(NOW, { cnf: { jkt: dpopKey.jkt } }));
    const proof = await dpopKey.proof({
      method: 'GET',
      url: 'https://mcp.test.example/mcp?x=1',
      accessToken: token,
    });
    const req = { method: 'GET', target: '/mcp?x=1', authorization: `DPoP ${token}`, dpop: proof };
    await expect(rs.authenticate(req)).resolves.toMatchObject({ scheme: 'DPoP', extra: { scheme: 'DPoP' } });
    const r = await refusal(rs.authenticate(req));
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof replayed' });
  });

  it('refuses a DPoP-bound token sent as Bearer (RFC 9449 §7.2)', async () => {
    const token = await mint(key, claims(NOW, { cnf: { jkt: dpopKey.jkt } }));
    const r = await refusal(
      server().authenticate({ method: 'GET', target: '/mcp', authorization: `Bearer ${token}` }),
    );
    expect(r.body.error).toBe('invalid_token');
    expect(r.challenge).toContain('DPoP resource_metadata=');
  });

  it('answers 503 with Retry-After when the key set cannot be fetched', async () => {
    const endpoint = jwksEndpoint([key]);
    endpoint.down = true;
    const token = await mint(key, claims(NOW));
    const err = (await server({ fetch: endpoint.fetch })
      .authenticate({ method: 'GET', target: '/mcp', authorization: `Bearer ${token}` })
      .catch((e: unknown) => e)) as OAuthError;
    expect([err.status, err.error, err.headers['Retry-After']]).toEqual([
      503,
      'temporarily_unavailable',
      '5',
    ]);
  });
});

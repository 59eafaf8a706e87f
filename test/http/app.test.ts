// The fastify application: the service's app over real HTTP (the exact 404, no trailing-slash
// aliases, form bodies kept as text so the core sees repeated parameters, the 64 KiB body limit),
// and createApp itself over the service's context, serving and advertising only the endpoints it
// was given.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT, createApp } from '../../src/http/app.js';
import { createMemoryLogger } from '../../src/log.js';
import { grantRegistry } from '../../src/oauth/grants/index.js';
import { post } from '../helpers/exchange.js';
import { basic, form, SECRETS, startTestService, type TestService } from '../helpers/service.js';

let svc: TestService;
let bare: FastifyInstance;

beforeAll(async () => {
  svc = await startTestService();
  // Only the token endpoint's exchange grants: no first hop, registration or introspection.
  bare = createApp({
    ctx: svc.service.ctx,
    grants: grantRegistry({}),
    log: createMemoryLogger(),
    jwks: () => ({ keys: [] }),
    readiness: async () => ({ database: { ok: true } }),
  });
  await bare.ready();
}, 60_000);
afterAll(async () => {
  await bare?.close();
  await svc?.close();
});

const auth = { authorization: basic('mcp-salesforce', SECRETS.salesforce) };

describe("the service's app", () => {
  it('answers an unknown route with an exact 404, the query string left out', async () => {
    const res = await fetch(`${svc.url}/nope?secret=1`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'no such endpoint: DELETE /nope',
    });
  });

  it('serves no trailing-slash alias of an endpoint', async () => {
    const res = await post(`${svc.issuer}/token/`, form({ grant_type: 'x' }), auth);
    expect(res.status).toBe(404);
    expect(res.body.error_description).toBe('no such endpoint: POST /token/');
  });

  it('hands form bodies to the core as text, so a repeated parameter is refused', async () => {
    const res = await post(svc.tokenEndpoint, 'grant_type=a&grant_type=b', auth);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: "parameter 'grant_type' must not be repeated",
    });
  });

  it('takes a body up to 64 KiB and refuses a larger one with 413 OAuth JSON', async () => {
    expect(BODY_LIMIT).toBe(65_536);
    const pad = (n: number) => `grant_type=nope&pad=${'x'.repeat(n - 'grant_type=nope&pad='.length)}`;
    const at = await post(svc.tokenEndpoint, pad(BODY_LIMIT), auth);
    expect(at.body.error).toBe('unsupported_grant_type');
    const over = await post(svc.tokenEndpoint, pad(BODY_LIMIT + 1), auth);
    expect({ status: over.status, body: over.body }).toEqual({
      status: 413,
      body: { error: 'invalid_request', error_description: 'request body is too large' },
    });
  });

  it('generates a request id for every answer', async () => {
    const res = await fetch(`${svc.url}/healthz`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('createApp with only the exchange grants', () => {
  it('serves none of the endpoints it was not given', async () => {
    for (const [method, url] of [
      ['POST', '/register'],
      ['POST', '/introspect'],
      ['GET', '/authorize'],
      ['POST', '/revoke'],
      ['POST', '/consent'],
      ['GET', '/login/callback'],
      ['GET', '/dev-idp/.well-known/openid-configuration'],
    ] as const) {
      const res = await bare.inject({ method, url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toEqual({
        error: 'invalid_request',
        error_description: `no such endpoint: ${method} ${url}`,
      });
    }
  });

  it('advertises only what it serves, the grants it was given', async () => {
    const md = (await bare.inject('/.well-known/oauth-authorization-server')).json() as Record<
      string,
      unknown
    >;
    for (const k of [
      'registration_endpoint',
      'introspection_endpoint',
      'authorization_endpoint',
      'revocation_endpoint',
    ])
      expect(md, k).not.toHaveProperty(k);
    expect([...(md.grant_types_supported as string[])].sort()).toEqual([...grantRegistry({}).keys()].sort());
    expect(md.grant_types_supported).not.toContain('authorization_code');
  });

  it('answers a grant it was not given as unsupported_grant_type', async () => {
    const res = await bare.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
      payload: form({ grant_type: 'authorization_code', code: 'x' }),
    });
    expect(res.statusCode).toBe(400);
    expect((res.json() as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('serves the JWKS and readiness it was given', async () => {
    expect((await bare.inject('/jwks')).json()).toEqual({ keys: [] });
    const ready = await bare.inject('/readyz');
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: { ok: true } } });
  });
});

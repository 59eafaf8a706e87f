/**
 * RFC 8414 metadata and the JWKS over real HTTP: the issuer is byte-identical to the configured one
 * (also when it has a path, with the well-known segment inserted before the path, §3.1), every
 * advertised endpoint is served under the issuer, every advertised grant type is accepted, and the
 * JWKS holds public keys only, each with its kid and alg. Metadata is cached for five minutes, the
 * JWKS for one (a rotation's next key must reach verifiers before it signs).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverAuthorizationServerMetadata } from '@modelcontextprotocol/sdk/client/auth.js';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { createMemoryLogger } from '../../../src/log.js';
import { createService, type Service } from '../../../src/service.js';
import { createTestIdp, type TestIdp } from '../../helpers/idp.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import {
  API,
  basic,
  form,
  freePort,
  MCP,
  SECRETS,
  startTestService,
  type TestService,
} from '../../helpers/service.js';
import { ACCESS_TOKEN, subjectClaims, TOKEN_EXCHANGE } from '../../helpers/exchange.js';

const TOKEN_EXCHANGE_URN = 'urn:ietf:params:oauth:grant-type:token-exchange';

async function getJson(
  url: string,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('authorization server metadata (issuer without a path)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  it('serves RFC 8414 metadata whose issuer is byte-identical and whose endpoints are under it', async () => {
    const { status, headers, body } = await getJson(`${svc.url}/.well-known/oauth-authorization-server`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.issuer).toBe(svc.issuer);
    expect(body.token_endpoint).toBe(`${svc.issuer}/token`);
    expect(body.jwks_uri).toBe(`${svc.issuer}/jwks`);
    expect(Array.isArray(body.response_types_supported)).toBe(true);
    expect(body.grant_types_supported).toContain(TOKEN_EXCHANGE_URN);
    expect(body.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt']),
    );
    expect(body.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
  });

  it('serves no OpenID Connect Discovery document, which would claim ID tokens it never issues (ADR 0005)', async () => {
    const res = await getJson(`${svc.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: 'no such endpoint: GET /.well-known/openid-configuration',
    });
  });

  it("the MCP SDK client discovers the RFC 8414 document and validates it with the SDK's schema", async () => {
    const metadata = await discoverAuthorizationServerMetadata(svc.issuer);
    expect(metadata?.issuer).toBe(svc.issuer);
    expect(metadata?.token_endpoint).toBe(`${svc.issuer}/token`);
  });

  it('advertises only what is true: every endpoint is served, every grant type accepted', async () => {
    const { body } = await getJson(`${svc.url}/.well-known/oauth-authorization-server`);
    const urls = Object.entries(body).filter(([k]) => k.endsWith('_endpoint') || k === 'jwks_uri');
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const [name, url] of urls) {
      expect(String(url).startsWith(`${svc.issuer}/`), name).toBe(true);
      const get = await fetch(String(url));
      const postRes = await fetch(String(url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      // Served by one method or the other (404 from both would mean an advertised ghost).
      expect(
        [get.status, postRes.status].some((s) => s !== 404),
        `${name} ${String(url)}`,
      ).toBe(true);
    }
    for (const grantType of body.grant_types_supported as string[]) {
      const res = await fetch(`${svc.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic('mcp-salesforce', SECRETS.salesforce),
        },
        body: form({ grant_type: grantType }),
      });
      const err = (await res.json()) as { error?: string };
      expect(err.error, grantType).not.toBe('unsupported_grant_type');
    }
  });

  it('caches the metadata for five minutes and the JWKS for one, and answers HEAD', async () => {
    const md = await fetch(`${svc.url}/.well-known/oauth-authorization-server`);
    expect(md.headers.get('cache-control')).toBe('public, max-age=300');
    const jwks = await fetch(`${svc.url}/jwks`);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=60');
    const head = await fetch(`${svc.url}/jwks`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
  });

  it('serves a JWKS of public ES256 keys with kid and alg, which verifies issued tokens', async () => {
    const { status, headers, body } = await getJson(`${svc.url}/jwks`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    const keys = body.keys as Record<string, unknown>[];
    expect(keys.length).toBeGreaterThanOrEqual(1);
    const kids = new Set<string>();
    for (const k of keys) {
      expect(Object.keys(k).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(typeof k.kid).toBe('string');
      kids.add(String(k.kid));
    }
    expect(kids.size).toBe(keys.length);

    const res = await fetch(`${svc.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('mcp-salesforce', SECRETS.salesforce),
      },
      body: form({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
        subject_token_type: ACCESS_TOKEN,
        resource: API.salesforce,
        scope: 'crm.read',
      }),
    });
    const issued = (await res.json()) as { access_token: string };
    const { protectedHeader } = await jwtVerify(
      issued.access_token,
      createLocalJWKSet(body as unknown as JSONWebKeySet),
      { issuer: svc.issuer, audience: API.salesforce, typ: 'at+jwt' },
    );
    expect(kids.has(String(protectedHeader.kid))).toBe(true);
  });
});

describe('authorization server metadata (issuer with a path)', () => {
  let service: Service;
  let db: TestDatabase;
  let idp: TestIdp;
  let dataDir: string;
  let origin: string;
  let issuer: string;
  beforeAll(async () => {
    idp = await createTestIdp();
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'mandate-path-'));
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    issuer = `${origin}/tenants/acme`;
    const configPath = join(dataDir, 'mandate.json');
    await writeFile(
      configPath,
      JSON.stringify({
        clients: [
          {
            client_id: 'mcp-salesforce',
            token_endpoint_auth_method: 'client_secret_basic',
            client_secret: SECRETS.salesforce,
            audiences: [MCP.salesforce],
          },
        ],
        issuers: [{ issuer: idp.issuer, jwks: idp.jwks, algorithms: ['ES256'] }],
      }),
    );
    const config = loadConfig({
      PORT: String(port),
      MANDATE_ISSUER: issuer,
      DATABASE_URL: db.url,
      MANDATE_CONFIG: configPath,
      MANDATE_DATA_DIR: dataDir,
    });
    service = await createService(config, createMemoryLogger());
    await service.app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('inserts the well-known segment before the path (RFC 8414 §3.1) and serves endpoints under the path', async () => {
    const { status, body } = await getJson(`${origin}/.well-known/oauth-authorization-server/tenants/acme`);
    expect(status).toBe(200);
    expect(body.issuer).toBe(issuer);
    expect(body.token_endpoint).toBe(`${issuer}/token`);
    expect(body.jwks_uri).toBe(`${issuer}/jwks`);
    // Not at the root: that would be another issuer's document.
    const root = await fetch(`${origin}/.well-known/oauth-authorization-server`);
    expect(root.status).toBe(404);
    // No OpenID Connect Discovery document under either of its names (ADR 0005), and the MCP SDK
    // client, which tries RFC 8414 first, finds this issuer's document.
    for (const path of [
      '/.well-known/openid-configuration/tenants/acme',
      '/tenants/acme/.well-known/openid-configuration',
    ])
      expect((await fetch(`${origin}${path}`)).status, path).toBe(404);
    expect((await discoverAuthorizationServerMetadata(issuer))?.issuer).toBe(issuer);
    expect((await getJson(`${issuer}/jwks`)).status).toBe(200);

    const now = Math.floor(Date.now() / 1000);
    const res = await fetch(String(body.token_endpoint), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('mcp-salesforce', SECRETS.salesforce),
      },
      body: form({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await idp.mint(
          {
            iss: idp.issuer,
            sub: 'alice',
            aud: MCP.salesforce,
            groups: ['sales'],
            scope: 'crm.read',
            iat: now,
            exp: now + 600,
          },
          { typ: 'at+jwt' },
        ),
        subject_token_type: ACCESS_TOKEN,
        resource: API.salesforce,
        scope: 'crm.read',
      }),
    });
    const issued = (await res.json()) as { access_token: string };
    expect(res.status, JSON.stringify(issued)).toBe(200);
    const jwks = (await getJson(String(body.jwks_uri))).body as unknown as JSONWebKeySet;
    const { payload } = await jwtVerify(issued.access_token, createLocalJWKSet(jwks), {
      issuer,
      audience: API.salesforce,
      typ: 'at+jwt',
    });
    expect(payload.iss).toBe(issuer);
    // The root token path is not this issuer's endpoint.
    const wrong = await fetch(`${origin}/token`, { method: 'POST', body: '' });
    expect(wrong.status).toBe(404);
  });
});

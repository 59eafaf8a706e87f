/**
 * Client ID Metadata Documents end to end: a real HTTPS server serves the documents (trusted through
 * MANDATE_CIMD_CA_FILE, its host allowed through MANDATE_CIMD_ALLOWED_HOSTS), and Mandate's token
 * endpoint resolves URL client_ids through them. Refusals are asserted as exact wire errors.
 */
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDocServer, type DocServer } from '../../../helpers/doc-server.js';
import { form, startTestService, type TestService } from '../../../helpers/service.js';
import { createTestCert, type TestCert } from '../../../helpers/tls.js';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

describe('Client ID Metadata Documents through the token endpoint', () => {
  let cert: TestCert;
  let docs: DocServer;
  let svc: TestService;

  beforeAll(async () => {
    cert = await createTestCert();
    docs = await startDocServer(cert);
    svc = await startTestService({
      env: {
        MANDATE_CIMD_ALLOWED_HOSTS: 'localhost',
        MANDATE_CIMD_CA_FILE: cert.certPath,
        // Generous: a TLS fetch on a loaded CI machine can take most of a second; the slow host below
        // is far slower still.
        MANDATE_CIMD_TIMEOUT_MS: '2500',
      },
    });
  });
  afterAll(async () => {
    await svc?.close();
    await docs?.close();
    await cert?.dispose();
  });

  /** A token request naming `clientId` without authentication: the lookup runs, then the grant refuses. */
  const tokenRequest = (clientId: string, extra: Record<string, string> = {}) =>
    fetch(svc.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: EXCHANGE, client_id: clientId, ...extra }),
    });

  const doc = (url: string, extra: Record<string, unknown> = {}) => ({
    client_id: url,
    client_name: 'Doc Client',
    redirect_uris: ['http://127.0.0.1:33418/callback'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });

  it('resolves a valid document into a cimd client, stored and cached per Cache-Control', async () => {
    const url = docs.url('/ok/client.json');
    docs.route('/ok/client.json', { body: doc(url), headers: { 'cache-control': 'max-age=3600' } });
    const res = await tokenRequest(url);
    // The client was found (a public client), so the refusal is the grant's, not the lookup's.
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_client',
      error_description: `grant_type '${EXCHANGE}' requires client authentication`,
    });
    const client = await svc.service.ctx.clients.get(url);
    expect(client).toMatchObject({
      clientId: url,
      clientName: 'Doc Client',
      trust: 'cimd',
      tokenEndpointAuthMethod: 'none',
      redirectUris: ['http://127.0.0.1:33418/callback'],
    });
    const row = await svc.db.db.query(
      'SELECT source, trust, redirect_uris FROM clients WHERE client_id = $1',
      [url],
    );
    expect(row.rows).toEqual([
      { source: 'cimd', trust: 'cimd', redirect_uris: ['http://127.0.0.1:33418/callback'] },
    ]);
    expect(docs.hits('/ok/client.json')).toBe(1);
  });

  it('authenticates a private_key_jwt client with the keys its document lists', async () => {
    const url = docs.url('/keys/client.json');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    docs.route('/keys/client.json', {
      body: doc(url, { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } }),
    });
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: `a-${now}` })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(url)
      .setSubject(url)
      .setAudience(svc.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(privateKey);
    const res = await tokenRequest(url, {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    // Authenticated by the document's key; a first-hop client may not exchange tokens.
    expect(await res.json()).toEqual({
      error: 'unauthorized_client',
      error_description: `client is not allowed to use grant_type '${EXCHANGE}'`,
    });
  });

  const refusals: [string, string, (url: string) => Parameters<DocServer['route']>[1], number, string][] = [
    [
      'a document whose client_id differs from its URL',
      '/mismatch/client.json',
      (url) => ({ body: doc(url, { client_id: docs.url('/other/client.json') }) }),
      401,
      'the metadata document names a different client_id than its URL',
    ],
    [
      'a document larger than the cap',
      '/big/client.json',
      (url) => ({ body: doc(url, { client_name: 'x'.repeat(20_000) }) }),
      401,
      'the client metadata document could not be used: the document is larger than 16384 bytes',
    ],
    [
      'a document that is not JSON (content type)',
      '/html/client.json',
      () => ({ body: '<html>hello</html>', headers: { 'content-type': 'text/html' } }),
      401,
      'the client metadata document could not be used: the document is not served as application/json',
    ],
    [
      'a document that is not JSON (body)',
      '/broken/client.json',
      () => ({ body: '{"client_id": ' }),
      401,
      'the client metadata document could not be used: the document is not valid JSON',
    ],
    [
      'a redirect instead of the document',
      '/moved/client.json',
      () => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data' } }),
      401,
      `the client metadata document could not be used: localhost:PORT answered with a redirect`,
    ],
    [
      'a missing document',
      '/missing/client.json',
      () => ({ status: 404 }),
      401,
      'the client metadata document could not be used: localhost:PORT answered with HTTP 404',
    ],
    [
      'a document with a shared secret',
      '/secret/client.json',
      (url) => ({ body: doc(url, { token_endpoint_auth_method: 'client_secret_post' }) }),
      401,
      'the client metadata document is invalid: a client metadata document cannot use client_secret_post: it has no secret',
    ],
  ];

  it.each(refusals)('refuses %s with invalid_client', async (_name, path, route, status, description) => {
    const url = docs.url(path);
    docs.route(path, route(url));
    const res = await tokenRequest(url);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({
      error: 'invalid_client',
      error_description: description.replace('PORT', String(docs.port)),
    });
  });

  it('answers a slow document host with temporarily_unavailable (503, Retry-After)', async () => {
    const url = docs.url('/slow/client.json');
    docs.route('/slow/client.json', { body: doc(url), delayMs: 20_000 });
    const started = Date.now();
    const res = await tokenRequest(url);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: `the client metadata document could not be fetched: localhost:${docs.port} did not answer within 2500 ms`,
    });
  });

  it('refuses a document host that resolves to a private address when it is not allow-listed', async () => {
    // Same server, addressed by its IP: 127.0.0.1 is not in MANDATE_CIMD_ALLOWED_HOSTS.
    const url = `https://127.0.0.1:${docs.port}/ok/client.json`;
    const res = await tokenRequest(url);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_client',
      error_description:
        'the client metadata document could not be used: host 127.0.0.1 resolves to a private or special-use address',
    });
  });

  it('refuses a URL client_id that is not a valid document URL', async () => {
    const res = await tokenRequest(`https://localhost:${docs.port}/a/../client.json`);
    expect(await res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'a URL client_id must not contain dot path segments',
    });
  });
});

describe('Client ID Metadata Documents without an allow-list', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  it.each([
    ['localhost', 'https://localhost:9/client.json', 'localhost'],
    ['loopback', 'https://127.0.0.1:9/client.json', '127.0.0.1'],
    ['cloud metadata', 'https://169.254.169.254/latest/client.json', '169.254.169.254'],
    ['private IPv6', 'https://[fd00::1]/client.json', 'fd00::1'],
  ])('refuses %s without connecting', async (_name, url, host) => {
    const res = await fetch(svc.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: EXCHANGE, client_id: url }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_client',
      error_description: `the client metadata document could not be used: host ${host} resolves to a private or special-use address`,
    });
  });
});

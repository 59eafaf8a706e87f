/**
 * The `jwt-bearer` connector against Ory Hydra v2 (issue 16 §5), an RFC 7523 authorization server
 * no one here wrote, started by the test with a jwt-bearer trust relationship for the connector's
 * key (Mandate's issuer, the one subject alice@acme.example, crm.read and crm.write) and a client
 * that authenticates with private_key_jwt by the same key. The MCP server's unchanged exchange gets
 * Hydra's token for exactly that user and scope (Hydra's introspection says so); a user the
 * policy does not map is refused with no call to Hydra; a subject Hydra does not trust is refused
 * naming Hydra's error; a second exchange is answered from the cache. Downstream calls are counted
 * by a forwarding proxy in front of Hydra's token endpoint.
 * Skipped, saying so, only when the Hydra binary is absent (scripts/install-hydra.sh; .ci/run
 * builds it).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConnectorKeys } from '../../src/store/connector-keys.js';
import { ACCESS_TOKEN, buildPolicyVariant, salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { hydraAvailable, startHydra, type Hydra } from '../helpers/hydra.js';
import { API, startTestService, type TestService } from '../helpers/service.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CLIENT = 'mandate-connector';
const skipReason = hydraAvailable()
  ? undefined
  : 'Ory Hydra is not built (.tools/bin/hydra): run `bash scripts/install-hydra.sh`; .ci/run builds it';
if (skipReason !== undefined) console.warn(`connectors-jwt-bearer: skipped: ${skipReason}`);

/** Forwards POSTs to Hydra's token endpoint, counting them. */
async function countingProxy(
  target: string,
): Promise<{ url: string; calls: number; close(): Promise<void> }> {
  const out = { url: '', calls: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      out.calls += 1;
      void fetch(target, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: Buffer.concat(chunks),
      }).then(async (r) => {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(await r.text());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  out.url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/oauth2/token`;
  out.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return out;
}

describe.skipIf(skipReason !== undefined)('jwt-bearer connector against Ory Hydra v2', () => {
  let hydra: Hydra;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let svc: TestService;

  beforeAll(async () => {
    hydra = await startHydra();
    proxy = await countingProxy(hydra.tokenEndpoint);
    const placeholder = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      format: 'jwk',
    });
    const client = {
      client_id: CLIENT,
      grant_types: [JWT_BEARER],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      scope: 'crm.read crm.write',
      jwks: { keys: [{ ...placeholder, kid: 'placeholder', alg: 'RS256', use: 'sig' }] },
    };
    await hydra.call('POST', '/admin/clients', client);
    const bundle = await buildPolicyVariant(
      join(mkdtempSync(join(tmpdir(), 'mandate-hydra-connector-')), 'bundle.tar.gz'),
      (data) => {
        data.downstream_subjects = { salesforce: { alice: 'alice@acme.example', dave: 'dave@acme.example' } };
      },
      'hydra-connector-test',
    );
    svc = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundle },
      connectors: [
        {
          service: 'salesforce',
          resource: API.salesforce,
          kind: 'jwt-bearer',
          token_endpoint: proxy.url,
          audience: hydra.tokenEndpoint, // Hydra checks aud against its own token URL
          client_id: CLIENT,
        },
      ],
    });
    // The SaaS-side set-up, from `mandate connectors jwk salesforce`: the client's key and the trust.
    const [active] = await listConnectorKeys(svc.db.db, 'salesforce');
    const jwk = active!.publicJwk;
    await hydra.call('PUT', `/admin/clients/${CLIENT}`, { ...client, jwks: { keys: [jwk] } });
    await hydra.call('POST', '/admin/trust/grants/jwt-bearer/issuers', {
      issuer: svc.issuer,
      subject: 'alice@acme.example',
      scope: ['crm.read', 'crm.write'],
      jwk,
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
  }, 120_000);
  afterAll(async () => {
    await svc?.close();
    await proxy?.close();
    await hydra?.close();
  });

  const exchange = async (sub: string, scope: string) =>
    salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc, { sub }), { typ: 'at+jwt' }),
      scope,
    });

  it('answers the unchanged exchange with Hydra’s token for exactly that user and scope', async () => {
    const res = await exchange('alice', 'crm.read');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ issued_token_type: ACCESS_TOKEN, token_type: 'Bearer' });
    expect(res.body.expires_in).toBeGreaterThan(3500); // Hydra's default access token lifespan, 1 h
    expect(res.body.refresh_token).toBeUndefined();
    // Hydra verified the assertion (signed by the connector's key, trusted for this issuer and
    // subject) and the client assertion; its own introspection names the user and the scope.
    const seen = await hydra.introspect(String(res.body.access_token));
    expect(seen).toMatchObject({
      active: true,
      sub: 'alice@acme.example',
      client_id: CLIENT,
      scope: 'crm.read',
    });
    expect(proxy.calls).toBe(1);

    const again = await exchange('alice', 'crm.read');
    expect(again.body.access_token).toBe(res.body.access_token);
    expect(proxy.calls).toBe(1);
  });

  it('refuses a user the policy does not map, with no call to Hydra', async () => {
    const before = proxy.calls;
    const res = await exchange('bob', 'crm.read');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
    expect(proxy.calls).toBe(before);
  });

  it('names Hydra’s error when it refuses a subject it does not trust', async () => {
    const before = proxy.calls;
    const res = await exchange('dave', 'crm.read');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
    expect(res.body.error_description).toMatch(
      /^salesforce's authorization server refused the token \(invalid_grant/,
    );
    expect(proxy.calls).toBe(before + 1);
    const logs = JSON.stringify(svc.logs.lines);
    const outbox = JSON.stringify((await svc.db.db.query('SELECT event FROM outbox')).rows);
    expect(outbox).toContain('"kind":"jwt-bearer"');
    for (const text of [logs, outbox]) expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/); // no JWT
  });
});

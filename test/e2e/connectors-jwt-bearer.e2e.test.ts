/**
 * The `jwt-bearer` connector against Ory Hydra v2 (issue 16 §5), an RFC 7523 authorization server
 * no one here wrote, started by the test with a jwt-bearer trust relationship for the connector's
 * key (Mandate's issuer, the one subject alice@acme.example, crm.read and crm.write) and a client
 * that authenticates with private_key_jwt by the same key. The MCP server's unchanged exchange gets
 * Hydra's token for exactly that user and scope (Hydra's introspection says so); a user the
 * policy does not map is refused with no call to Hydra; a subject Hydra does not trust is refused
 * naming Hydra's error; a second exchange is answered from the cache. Downstream calls are counted
 * by a forwarding proxy in front of Hydra's token endpoint, which also keeps what went through it:
 * the assertions, verified here with the connector's public key, and Hydra's tokens, which with the
 * assertions and the connector's private key must appear nowhere in the pino log lines or the
 * audit events; the audit chain verifies and holds one downstream event per connector exchange.
 * Skipped, saying so, only when the Hydra binary is absent (scripts/install-hydra.sh; .ci/run
 * builds it).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPostgres } from '../../src/audit/verify.js';
import { listConnectorKeys } from '../../src/store/connector-keys.js';
import {
  connectorKeyMaterial,
  databaseText,
  expectNoLeak,
  outboxText,
  pinoLines,
  TEST_KEK,
} from '../helpers/connector-leaks.js';
import { ACCESS_TOKEN, buildPolicyVariant, salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { hydraAvailable, startHydra, type Hydra } from '../helpers/hydra.js';
import { API, startTestService, type TestService } from '../helpers/service.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CLIENT = 'mandate-connector';
const skipReason = hydraAvailable()
  ? undefined
  : 'Ory Hydra is not built (.tools/bin/hydra): run `bash scripts/install-hydra.sh`; .ci/run builds it';
if (skipReason !== undefined) console.warn(`connectors-jwt-bearer: skipped: ${skipReason}`);

interface Proxy {
  url: string;
  calls: number;
  /** The form parameters of each request, and each answer's body, in order. */
  requests: URLSearchParams[];
  answers: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Forwards POSTs to Hydra's token endpoint, counting them and keeping requests and answers. */
async function countingProxy(target: string): Promise<Proxy> {
  const out: Proxy = { url: '', calls: 0, requests: [], answers: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      out.calls += 1;
      out.requests.push(new URLSearchParams(Buffer.concat(chunks).toString()));
      void fetch(target, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: Buffer.concat(chunks),
      }).then(async (r) => {
        const text = await r.text();
        out.answers.push(JSON.parse(text) as Record<string, unknown>);
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(text);
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
  let proxy: Proxy;
  let svc: TestService;
  let jwk: JWK;
  const pino = pinoLines();

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
      env: { MANDATE_POLICY_BUNDLE: bundle, MANDATE_KEK: TEST_KEK },
      log: pino.log,
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
    jwk = active!.publicJwk;
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
    const logs = pino.lines.join('\n');
    const outbox = await outboxText(svc.db.db);
    expect(outbox).toContain('"kind":"jwt-bearer"');
    for (const text of [logs, outbox]) expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/); // no JWT
  });

  it('gets exactly the scopes granted, and Hydra saw assertions signed by the connector’s key', async () => {
    const res = await exchange('alice', 'crm.write crm.read');
    expect(res.status, res.text).toBe(200);
    expect(await hydra.introspect(String(res.body.access_token))).toMatchObject({
      active: true,
      sub: 'alice@acme.example',
      scope: 'crm.read crm.write',
    });
    const sent = proxy.requests.at(-1)!;
    expect(sent.get('grant_type')).toBe(JWT_BEARER);
    expect(sent.get('scope')).toBe('crm.read crm.write');
    // Both JWTs verify with the public key the connector published, and with no other.
    const key = await importJWK(jwk, 'RS256');
    const grant = await jwtVerify(sent.get('assertion')!, key, { algorithms: ['RS256'] });
    expect(grant.protectedHeader.kid).toBe(jwk.kid);
    expect(grant.payload).toMatchObject({
      iss: svc.issuer,
      sub: 'alice@acme.example',
      aud: hydra.tokenEndpoint,
    });
    expect(grant.payload.exp! - grant.payload.iat!).toBeLessThanOrEqual(300);
    const client = await jwtVerify(sent.get('client_assertion')!, key, { algorithms: ['RS256'] });
    expect(client.payload).toMatchObject({ iss: CLIENT, sub: CLIENT, aud: hydra.tokenEndpoint });
    expect(sent.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });

  it('writes no assertion, Hydra token or private key into the pino logs or the audit events, and every downstream exchange is in the verified chain', async () => {
    const outbox = await outboxText(svc.db.db);
    const logs = pino.lines.join('\n');
    expect(logs).toContain('downstream token refused'); // the capture holds the service's lines
    expectNoLeak(
      { 'pino log lines': logs, 'audit events': outbox },
      {
        assertion: proxy.requests.map((r) => r.get('assertion')!),
        'client assertion': proxy.requests.map((r) => r.get('client_assertion')!),
        'Hydra token': proxy.answers.flatMap((a) =>
          typeof a.access_token === 'string' ? [a.access_token] : [],
        ),
        'connector private key': await connectorKeyMaterial(svc.db.db, 'salesforce'),
      },
    );
    // Nor is any of it stored: no downstream token, assertion or unsealed key in any table.
    expectNoLeak(
      { database: await databaseText(svc.db.db) },
      {
        assertion: proxy.requests.map((r) => r.get('assertion')!),
        'Hydra token': proxy.answers.flatMap((a) =>
          typeof a.access_token === 'string' ? [a.access_token] : [],
        ),
        'connector private key': await connectorKeyMaterial(svc.db.db, 'salesforce', false),
      },
    );
    const report = await verifyPostgres(svc.db.db);
    expect(report.broken).toBeUndefined();
    expect(report.ok).toBe(true);
    // alice twice (fresh, cached), dave's refusal by Hydra, alice's two scopes: four connector
    // exchanges, each one token event naming the connector; bob was refused by the policy.
    const events = JSON.parse(outbox) as { type: string; data: { downstream?: { kind: string } } }[];
    const downstream = events.filter((e) => e.data.downstream?.kind === 'jwt-bearer').map((e) => e.type);
    expect(downstream).toEqual([
      'dev.mandate.token.issued',
      'dev.mandate.token.issued',
      'dev.mandate.token.refused',
      'dev.mandate.token.issued',
    ]);
  });
});

/**
 * The `id-jag` connector against a second Mandate (issue 16, ADR 0013): A decides the MCP server's
 * unchanged token exchange, issues an ID-JAG for the downstream subject its policy mapped, and
 * redeems it at B's token endpoint authenticated by `private_key_jwt` with the connector's key
 * (B registered that key from A's connector JWK, and trusts A's JWKS for ID-JAGs); the MCP server
 * gets B's access token for exactly that user and scope, verified here with B's JWKS. B's issuer
 * is a recording proxy in front of it, so the test sees what went over the wire: the ID-JAG
 * (verified with A's JWKS), the client assertion (verified with the connector's key) and B's
 * token, none of which, nor A's or the connector's private key, appears in A's pino log lines or
 * audit events; A's audit chain verifies with one downstream event per connector exchange.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, importJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPostgres } from '../../src/audit/verify.js';
import { listConnectorKeys } from '../../src/store/connector-keys.js';
import {
  connectorKeyMaterial,
  databaseText,
  expectNoLeak,
  keyMaterial,
  outboxText,
  pinoLines,
  TEST_KEK,
} from '../helpers/connector-leaks.js';
import { recordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js';
import { ACCESS_TOKEN, buildPolicyVariant, salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { API, MCP, startTestService, type TestService } from '../helpers/service.js';
import { JWT_BEARER } from '../oauth/id-jag/fixtures.js';

/** A free port in this test's range (46000-46999), so that A can name B's endpoint before B starts. */
async function portInRange(): Promise<number> {
  for (;;) {
    const port = 46000 + Math.floor(Math.random() * 1000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

interface OutboxEvent {
  type: string;
  data: { action?: string; sub?: string; client_id?: string; downstream?: Record<string, unknown> };
}

describe('id-jag connector against a second Mandate', () => {
  let a: TestService;
  let b: TestService;
  let bUrl: string;
  let proxy: RecordingProxy;
  let connectorJwk: JWK;
  const pino = pinoLines();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-idjag-connector-'));
    proxy = await recordingProxy(await portInRange());
    bUrl = proxy.url; // B's issuer: what A names, and what B's tokens say
    const bundleA = await buildPolicyVariant(
      join(dir, 'a.tar.gz'),
      (data) => {
        data.downstream_subjects = { salesforce: { alice: 'alice@acme.example' } };
      },
      'idjag-connector-a',
    );
    a = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundleA, MANDATE_KEK: TEST_KEK },
      log: pino.log,
      connectors: [
        {
          service: 'salesforce',
          resource: API.salesforce,
          kind: 'id-jag',
          token_endpoint: `${bUrl}/token`,
          issuer: bUrl,
          client_id: 'mandate-a',
        },
      ],
    });
    const [active] = await listConnectorKeys(a.db.db, 'salesforce');
    connectorJwk = active!.publicJwk;
    // B's own policy: the Salesforce API is one of its protected resources, crm.read for everyone.
    const bundleB = await buildPolicyVariant(
      join(dir, 'b.tar.gz'),
      (data) => {
        const servers = data.mcp_servers as Record<string, Record<string, unknown>>;
        servers[API.salesforce] = { ...servers[MCP.salesforce], name: 'Salesforce API', tools: {} };
        data.group_scopes['*'] = [...(data.group_scopes['*'] ?? []), 'crm.read'];
      },
      'idjag-connector-b',
    );
    b = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundleB, MANDATE_ISSUER: bUrl },
      clients: [
        {
          client_id: 'mandate-a',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [active!.publicJwk] },
          grant_types: [JWT_BEARER],
        },
      ],
      issuers: [
        { issuer: a.issuer, jwks_uri: `${a.url}/jwks`, algorithms: ['ES256'], token_types: ['id_jag'] },
      ],
    });
    proxy.target = b.url;
  }, 90_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await proxy?.close();
  });

  it('answers the unchanged exchange at A with B’s token for the mapped user, redeemed from A’s ID-JAG', async () => {
    const res = await salesforceExchange(a, {
      subject_token: await a.idp.mint(subjectClaims(a), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ issued_token_type: ACCESS_TOKEN, token_type: 'Bearer' });
    expect(res.body.expires_in).toBeGreaterThan(0);
    const { payload } = await jwtVerify(
      String(res.body.access_token),
      createRemoteJWKSet(new URL(`${bUrl}/jwks`)),
      {
        issuer: bUrl,
        audience: API.salesforce,
      },
    );
    expect(payload).toMatchObject({ sub: 'alice@acme.example', client_id: 'mandate-a', scope: 'crm.read' });

    // B decided a jwt_bearer grant for mandate-a; A's event names the connector and the subject.
    const outbox = async (svc: TestService) =>
      (await svc.db.db.query<{ event: OutboxEvent }>('SELECT event FROM outbox ORDER BY sequence')).rows.map(
        (r) => r.event,
      );
    const atB = (await outbox(b)).filter((e) => e.type === 'dev.mandate.token.issued');
    expect(atB.at(-1)?.data).toMatchObject({ client_id: 'mandate-a', sub: 'alice@acme.example' });
    const atA = (await outbox(a)).filter((e) => e.type === 'dev.mandate.token.issued').at(-1);
    expect(atA?.data.downstream).toEqual({
      service: 'salesforce',
      kind: 'id-jag',
      subject: 'alice@acme.example',
      cached: false,
    });
    expect(JSON.stringify(await outbox(a))).not.toContain(String(res.body.access_token));
  });

  it('sent B an ID-JAG signed by A and a client assertion signed by the connector’s key, exactly once per uncached exchange', async () => {
    const tokenPosts = () => proxy.posts.filter((p) => p.path === '/token');
    expect(tokenPosts()).toHaveLength(1);
    const again = await salesforceExchange(a, {
      subject_token: await a.idp.mint(subjectClaims(a), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });
    expect(again.status).toBe(200);
    expect(tokenPosts()).toHaveLength(1); // from A's cache
    const sent = tokenPosts()[0]!.params;
    expect(sent.get('grant_type')).toBe(JWT_BEARER);
    const idJag = await jwtVerify(sent.get('assertion')!, createRemoteJWKSet(new URL(`${a.url}/jwks`)), {
      issuer: a.issuer,
      audience: bUrl,
      typ: 'oauth-id-jag+jwt',
    });
    expect(idJag.payload).toMatchObject({
      sub: 'alice@acme.example',
      client_id: 'mandate-a',
      resource: API.salesforce,
      scope: 'crm.read',
    });
    const client = await jwtVerify(sent.get('client_assertion')!, await importJWK(connectorJwk, 'RS256'), {
      issuer: 'mandate-a',
      subject: 'mandate-a',
      audience: `${bUrl}/token`,
    });
    expect(client.protectedHeader.kid).toBe(connectorJwk.kid);
  });

  it('refuses a user A’s policy does not map with no call to B, and names B’s error when B refuses', async () => {
    const calls = () => proxy.posts.filter((p) => p.path === '/token').length;
    const before = calls();
    const unmapped = await salesforceExchange(a, {
      subject_token: await a.idp.mint(subjectClaims(a, { sub: 'bob' }), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });
    expect(unmapped.status).toBe(400);
    expect(unmapped.body.error).toBe('invalid_target');
    expect(calls()).toBe(before);
    // A grants alice crm.write; B grants no one crm.write.
    const refused = await salesforceExchange(a, {
      subject_token: await a.idp.mint(subjectClaims(a), { typ: 'at+jwt' }),
      scope: 'crm.write',
    });
    expect(calls()).toBe(before + 1);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error).toBe('invalid_target');
    const said = proxy.posts.at(-1)!.answer;
    expect(typeof said.error).toBe('string');
    expect(refused.body.error_description).toBe(
      `salesforce's authorization server refused the token (${String(said.error)}: ${String(said.error_description)})`,
    );
  });

  it('writes no ID-JAG, client assertion, B token or private key into A’s pino logs or audit events; A’s chain verifies', async () => {
    const sent = proxy.posts.filter((p) => p.path === '/token');
    const logs = pino.lines.join('\n');
    const outboxA = await outboxText(a.db.db);
    expect(logs).toContain('"msg":"request"'); // the capture holds the service's lines
    expectNoLeak(
      { 'A pino log lines': logs, 'A audit events': outboxA },
      {
        'ID-JAG': sent.map((p) => p.params.get('assertion')!),
        'client assertion': sent.map((p) => p.params.get('client_assertion')!),
        'B token': sent.flatMap((p) =>
          typeof p.answer.access_token === 'string' ? [p.answer.access_token] : [],
        ),
        'connector private key': await connectorKeyMaterial(a.db.db, 'salesforce'),
        'A signing key': keyMaterial(a.service.ctx.signer.signingKey().privateKey),
      },
    );
    // Nor stored: no ID-JAG, B token or unsealed connector key in any of A's tables.
    expectNoLeak(
      { 'A database': await databaseText(a.db.db) },
      {
        'ID-JAG': sent.map((p) => p.params.get('assertion')!),
        'B token': sent.flatMap((p) =>
          typeof p.answer.access_token === 'string' ? [p.answer.access_token] : [],
        ),
        'connector private key': await connectorKeyMaterial(a.db.db, 'salesforce', false),
      },
    );
    const report = await verifyPostgres(a.db.db);
    expect(report.broken).toBeUndefined();
    expect(report.ok).toBe(true);
    const events = JSON.parse(outboxA) as { type: string; data: { downstream?: { kind: string } } }[];
    expect(events.filter((e) => e.data.downstream?.kind === 'id-jag').map((e) => e.type)).toEqual([
      'dev.mandate.token.issued',
      'dev.mandate.token.issued',
      'dev.mandate.token.refused', // B's refusal; bob's, by A's policy, reached no connector
    ]);
  });
});

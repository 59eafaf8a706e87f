/**
 * The `id-jag` connector against a second Mandate (issue 16, ADR 0013): A decides the MCP server's
 * unchanged token exchange, issues an ID-JAG for the downstream subject its policy mapped, and
 * redeems it at B's token endpoint authenticated by `private_key_jwt` with the connector's key
 * (B registered that key from A's connector JWK, and trusts A's JWKS for ID-JAGs); the MCP server
 * gets B's access token for exactly that user and scope, verified here with B's JWKS.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConnectorKeys } from '../../src/store/connector-keys.js';
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

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-idjag-connector-'));
    const port = await portInRange();
    bUrl = `http://127.0.0.1:${port}`;
    const bundleA = await buildPolicyVariant(
      join(dir, 'a.tar.gz'),
      (data) => {
        data.downstream_subjects = { salesforce: { alice: 'alice@acme.example' } };
      },
      'idjag-connector-a',
    );
    a = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundleA },
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
      port,
      env: { MANDATE_POLICY_BUNDLE: bundleB },
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
  }, 90_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
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
});

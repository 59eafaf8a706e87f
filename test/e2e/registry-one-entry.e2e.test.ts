/**
 * Registering a new MCP server is one entry in the configuration file (issue 13 §5, ADR 0007): the
 * example configuration plus one `mcp_servers` entry, the shipped bundle unchanged, and the new
 * server is a protected resource, has its own client, exchanges tokens for the service it names
 * and has its tool calls decided by the policy, whose decision events carry the registry's digest.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyRegistry } from '../../src/config/index.js';
import { mintAccessToken } from '../../src/oauth/tokens/mint-access-token.js';
import { ACCESS_TOKEN, nowSeconds, post, repoRoot, TOKEN_EXCHANGE } from '../helpers/exchange.js';
import { API, basic, form, startTestService, type TestService } from '../helpers/service.js';

const REPORTS = 'https://mcp.reports.example/mcp';
const SECRET = 'test-reports-mcp-secret-0123456789abcdef';
const example = JSON.parse(readFileSync(join(repoRoot, 'examples/mandate.json'), 'utf8')) as {
  mcp_servers: unknown[];
};
/** The one entry: a Salesforce reporting server that reads CRM data through the Salesforce API. */
const entry = {
  resource: REPORTS,
  name: 'CRM reports MCP',
  scopes: ['crm.read'],
  tools: { run_report: { scopes: ['crm.read'] } },
  client: { client_id: 'mcp-reports', client_secret: SECRET },
  services: ['salesforce'],
};

let svc: TestService;
let configPath: string;

beforeAll(async () => {
  svc = await startTestService({
    configFile: (idp) => ({
      ...example,
      issuers: [{ issuer: idp.issuer, jwks: idp.jwks, algorithms: ['ES256'] }],
      mcp_servers: [...example.mcp_servers, entry],
    }),
  });
  configPath = join(svc.dataDir, 'mandate.json');
}, 60_000);
afterAll(() => svc?.close());

async function decisionEvents(): Promise<Record<string, unknown>[]> {
  const { rows } = await svc.db.db.query<{ event: { data: Record<string, unknown> } }>(
    `SELECT event FROM outbox WHERE event->>'type' = 'dev.mandate.decision' ORDER BY sequence`,
  );
  return rows.map((r) => r.event.data);
}

describe('a new MCP server registered with one configuration entry', () => {
  it('is served by the shipped bundle, unchanged, with the registry overlaid', async () => {
    const shipped = createHash('sha256')
      .update(readFileSync(join(repoRoot, 'bundles/default.tar.gz')))
      .digest('hex');
    const ready = (await (await fetch(`${svc.url}/readyz`)).json()) as {
      checks: { policy: { digest: string; registry: string } };
    };
    expect(ready.checks.policy).toMatchObject({
      digest: shipped,
      registry: loadPolicyRegistry({ MANDATE_CONFIG: configPath })!.digest,
    });
  });

  it('is a protected resource with the name and scopes of its entry', () => {
    expect(svc.service.ctx.firstHop?.resources.get(REPORTS)).toEqual({
      resource: REPORTS,
      name: 'CRM reports MCP',
      scopesSupported: ['crm.read'],
    });
  });

  it('exchanges a token for the service it names, as its own client', async () => {
    const now = nowSeconds();
    const subject = await svc.idp.mint({
      iss: svc.idp.issuer,
      sub: 'alice',
      aud: REPORTS,
      client_id: 'claude-desktop',
      groups: ['sales'],
      scope: 'crm.read',
      iat: now,
      exp: now + 600,
      jti: `subj-${now}-reports`,
    });
    const res = await post(
      svc.tokenEndpoint,
      form({
        grant_type: TOKEN_EXCHANGE,
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN,
        resource: API.salesforce,
        scope: 'crm.read',
      }),
      { authorization: basic('mcp-reports', SECRET) },
    );
    expect(res.status, res.text).toBe(200);
    const claims = decodeJwt(res.body.access_token as string);
    expect(claims).toMatchObject({ sub: 'alice', aud: API.salesforce, scope: 'crm.read' });
    expect(claims.act).toMatchObject({ sub: 'mcp-reports' });

    const registry = loadPolicyRegistry({ MANDATE_CONFIG: configPath });
    const decision = (await decisionEvents()).at(-1)!;
    expect(decision).toMatchObject({
      input: { action: 'token_exchange', actor: { client_id: 'mcp-reports' } },
      enforced: { allow: true, scopes: ['crm.read'] },
      registry: { digest: registry!.digest },
    });
  });

  it('has its tool calls decided by the policy with the tools the entry lists', async () => {
    const token = await mintAccessToken(svc.service.ctx.signer, {
      issuer: svc.issuer,
      sub: 'alice',
      aud: REPORTS,
      clientId: 'claude-desktop',
      scopes: ['crm.read'],
      ttlSeconds: 300,
      now: nowSeconds(),
      extra: { groups: ['sales'] },
    });
    const ask = (tool: string) =>
      fetch(`${svc.url}/access/v1/evaluation`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic('mcp-reports', SECRET) },
        body: JSON.stringify({
          subject: { type: 'user', id: 'alice', properties: { token: token.token } },
          action: { name: 'tool_call' },
          resource: { type: 'mcp_tool', id: tool, properties: { arguments: {} } },
        }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { decision: boolean } }));
    expect(await ask('run_report')).toMatchObject({ status: 200, body: { decision: true } });
    expect(await ask('delete_report')).toMatchObject({ status: 200, body: { decision: false } });
  });
});

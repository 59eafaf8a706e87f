/**
 * Cross-App Access (MCP enterprise-managed authorization, SEP-990; the Identity Assertion JWT
 * Authorization Grant, draft-ietf-oauth-identity-assertion-authz-grant) with the MCP TypeScript SDK
 * v2 client, unmodified, against two real Mandates in both roles: A is the enterprise IdP that
 * issues the ID-JAG (RFC 8693 token exchange, reached by the SDK's
 * `discoverAndRequestJwtAuthGrant`), B is the MCP server's authorization server that redeems it
 * (RFC 7523 jwt-bearer, sent by the SDK's `CrossAppAccessProvider` after RFC 9728 discovery from the
 * MCP server's 401). The MCP server is the examples' v2 server behind the kit, trusting B only,
 * and its tool call is decided by B's policy (AuthZEN, asked as the MCP server's client at B),
 * audited with the access token's `jti`.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Client,
  CrossAppAccessProvider,
  discoverAndRequestJwtAuthGrant,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, createToolPolicy } from '@mandate/mcp-kit';
import { hostsFetch } from '../../examples/lib/hosts.js';
import { accessFrom, serveMcp, text } from '../../examples/mcp/common.js';
import { buildBundle, repoRoot, tempDir } from '../policy/helpers.js';
import { MCP, SECRETS, startTestService, type TestService } from '../helpers/service.js';
import { toolText } from '../examples/helpers.js';
import { JWT_BEARER, nowSeconds, TOKEN_EXCHANGE } from '../oauth/id-jag/fixtures.js';

const MCP_AS = 'https://as.mcp.example';
const RESOURCE = MCP.workday;
const AT_IDP = { id: 'caa-client', secret: 'caa-client-at-idp-secret-0123456789abcdef' };
const AT_MCP_AS = { id: 'caa-client-at-mcp', secret: 'caa-client-at-mcp-secret-0123456789abcd' };

/** The default policy with one `id_jag` entry: A may vouch for the client to B for the MCP server. */
async function bundleWithEntry(): Promise<string> {
  const src = tempDir('mandate-caa-rego-');
  cpSync(join(repoRoot, 'rego'), src, { recursive: true });
  const dataPath = join(src, 'mandate', 'data.json');
  const data = JSON.parse(readFileSync(dataPath, 'utf8')) as { id_jag: unknown[] };
  data.id_jag.push({
    audience: MCP_AS,
    resources: [RESOURCE],
    scopes: ['hr.profile.read', 'hr.timeoff.read'],
    clients: [AT_IDP.id],
    groups: ['*'],
    max_ttl_seconds: 300,
    client_ids: { [AT_IDP.id]: AT_MCP_AS.id },
  });
  writeFileSync(dataPath, JSON.stringify(data));
  return buildBundle(join(src, 'bundle.tar.gz'), { src });
}

let idp: TestService;
let mcpAs: TestService;
let mcp: { url: string; close(): Promise<void> };
let resolve: typeof fetch;
let policy: ReturnType<typeof createToolPolicy>;

beforeAll(async () => {
  const bundle = await bundleWithEntry();
  idp = await startTestService({
    env: { MANDATE_POLICY_BUNDLE: bundle },
    // The SDK's requestJwtAuthorizationGrant sends the secret in the form body.
    clients: [
      {
        client_id: AT_IDP.id,
        client_secret: AT_IDP.secret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: [TOKEN_EXCHANGE],
      },
    ],
  });
  mcpAs = await startTestService({
    env: { MANDATE_POLICY_BUNDLE: bundle, MANDATE_ISSUER: MCP_AS },
    clients: [{ client_id: AT_MCP_AS.id, client_secret: AT_MCP_AS.secret, grant_types: [JWT_BEARER] }],
    issuers: [
      { issuer: idp.issuer, jwks_uri: `${idp.url}/jwks`, algorithms: ['ES256'], token_types: ['id_jag'] },
    ],
  });
  const rs = createResourceServer({
    resource: RESOURCE,
    issuer: MCP_AS,
    jwksUri: `${mcpAs.url}/jwks`,
    scopesSupported: ['hr.profile.read', 'hr.timeoff.read'],
    requiredScopes: ['hr.profile.read'],
  });
  // B decides the tool calls: the Workday MCP server asks as its own client there.
  policy = createToolPolicy({
    issuer: MCP_AS,
    endpoint: `${mcpAs.url}/access/v1/evaluation`,
    clientId: 'mcp-workday',
    clientSecret: SECRETS.workday,
  });
  mcp = await serveMcp(rs, { policy }, () => {
    const server = new McpServer({ name: 'caa-test', version: '1.0.0' });
    server.registerTool('whoami', { description: 'who the token says is calling' }, (ctx) => {
      const a = accessFrom(ctx);
      return text({ sub: a.sub, client_id: a.clientId, scopes: a.scopes });
    });
    return server;
  });
  // B's and the MCP server's public names resolve to their local ports (examples/lib/hosts.ts).
  resolve = hostsFetch({ [MCP_AS]: mcpAs.url, [RESOURCE]: mcp.url });
});
afterAll(async () => {
  await mcp?.close();
  await mcpAs?.close();
  await idp?.close();
});

describe('Cross-App Access with the MCP SDK v2 client: Mandate as IdP and as the MCP server’s AS', () => {
  it('ID-JAG from A, access token from B, tool call; the ID-JAG is single-use', async () => {
    const now = nowSeconds();
    // The user's ID token from the enterprise login, issued to the client at A (A trusts its issuer).
    const idToken = await idp.idp.mint({
      iss: idp.idp.issuer,
      sub: 'alice',
      aud: AT_IDP.id,
      iat: now,
      exp: now + 600,
      auth_time: now - 30,
    });
    const seen: { url: string; body: URLSearchParams; status: number }[] = [];
    const tap = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      const res = await resolve(input, init);
      seen.push({ url, body: new URLSearchParams(String(init?.body ?? '')), status: res.status });
      return res;
    }) as typeof fetch;
    const grants: { jag: string; ctx: { authorizationServerUrl: string; resourceUrl: string } }[] = [];
    const provider = new CrossAppAccessProvider({
      clientId: AT_MCP_AS.id,
      clientSecret: AT_MCP_AS.secret,
      expectedIssuer: MCP_AS,
      fetchFn: tap,
      assertion: async (ctx) => {
        const { jwtAuthGrant } = await discoverAndRequestJwtAuthGrant({
          idpUrl: idp.issuer,
          audience: ctx.authorizationServerUrl,
          resource: ctx.resourceUrl,
          idToken,
          clientId: AT_IDP.id,
          clientSecret: AT_IDP.secret,
          ...(ctx.scope === undefined ? {} : { scope: ctx.scope }),
          fetchFn: ctx.fetchFn,
        });
        grants.push({ jag: jwtAuthGrant, ctx });
        return jwtAuthGrant;
      },
    });
    const client = new Client({ name: 'caa-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider, fetch: tap }),
    );
    try {
      const who = toolText(await client.callTool({ name: 'whoami', arguments: {} }));
      expect(who.json).toEqual({ sub: 'alice', client_id: AT_MCP_AS.id, scopes: ['hr.profile.read'] });
    } finally {
      await client.close();
    }
    // B's policy decided the tool call on the token B issued, and audited it with that token's jti.
    expect(policy.evaluations).toBe(1);
    const jti = String(decodeJwt(String(provider.tokens()?.access_token)).jti);
    const decided = await mcpAs.db.db.query<{ allow: boolean }>(
      `SELECT (event->'data'->'enforced'->>'allow')::boolean AS allow FROM outbox
        WHERE event->>'type' = 'dev.mandate.decision' AND event->'data'->'input'->>'action' = 'tool_call'
          AND event->'data'->'input'->'context'->>'token_jti' = $1
          AND event->'data'->'input'->'context'->>'tool' = 'whoami'`,
      [jti],
    );
    expect(decided.rows).toEqual([{ allow: true }]);

    // A issued the ID-JAG for B and the MCP server, naming the client as B knows it (§5).
    expect(grants).toHaveLength(1);
    const [grant] = grants;
    expect(grant?.ctx).toMatchObject({ authorizationServerUrl: MCP_AS, resourceUrl: RESOURCE });
    expect(decodeJwt(String(grant?.jag))).toMatchObject({
      iss: idp.issuer,
      sub: 'alice',
      aud: MCP_AS,
      client_id: AT_MCP_AS.id,
      resource: RESOURCE,
      scope: 'hr.profile.read',
    });
    // B redeemed it with jwt-bearer; its access token is for the MCP server, with no refresh token.
    const redeem = seen.find((s) => s.url === `${MCP_AS}/token`);
    expect(redeem?.body.get('grant_type')).toBe(JWT_BEARER);
    expect(redeem?.status).toBe(200);
    const tokens = provider.tokens();
    expect(tokens?.refresh_token).toBeUndefined();
    expect(decodeJwt(String(tokens?.access_token))).toMatchObject({
      iss: MCP_AS,
      aud: RESOURCE,
      sub: 'alice',
      client_id: AT_MCP_AS.id,
      scope: 'hr.profile.read',
    });

    // The ID-JAG cannot be redeemed twice (the resource AS remembers its jti until exp).
    const again = await resolve(`${MCP_AS}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${AT_MCP_AS.id}:${AT_MCP_AS.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: String(grant?.jag) }).toString(),
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'assertion has already been used',
    });
  });
});

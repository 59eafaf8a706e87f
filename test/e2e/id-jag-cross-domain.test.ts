/**
 * Enterprise-managed authorization end to end (draft-ietf-oauth-identity-assertion-authz-grant §4,
 * MCP SEP-990) across two real Mandates with different issuers, both on the compiled default policy
 * plus one `id_jag` entry: A is the enterprise IdP, B the authorization server of an MCP server and
 * trusts A's JWKS by URL. The AI client exchanges its ID token (from the test IdP) for an ID-JAG at
 * A, redeems it with the jwt-bearer grant at B, then calls a tool on an MCP server (the examples' MCP
 * SDK v2 server behind the kit, over real HTTP) that accepts only B's tokens, checked against B's
 * JWKS. The two token requests are plain HTTP here, so that the wire bodies can be asserted;
 * test/e2e/cross-app-access.e2e.test.ts runs the same flow through the SDK v2 client's own
 * Cross-App Access support.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, createToolPolicy } from '@mandate/mcp-kit';
import { hostsFetch } from '../../examples/lib/hosts.js';
import { accessFrom, serveMcp, text } from '../../examples/mcp/common.js';
import { buildBundle, repoRoot, tempDir } from '../policy/helpers.js';
import { basic, MCP, SECRETS, startTestService, type TestService } from '../helpers/service.js';
import {
  ID_JAG,
  ID_TOKEN,
  JWT_BEARER,
  nowSeconds,
  postForm,
  TOKEN_EXCHANGE,
} from '../oauth/id-jag/fixtures.js';

const MCP_AS = 'https://as.mcp.example';
const RESOURCE = MCP.workday;
const CLIENT_AT_IDP = { id: 'ai-client', secret: 'ai-client-at-idp-secret-0123456789abcdef' };
const CLIENT_AT_MCP_AS = { id: 'ai-client-at-mcp', secret: 'ai-client-at-mcp-secret-0123456789abcd' };

/** The default policy with one more `id_jag` entry: A may vouch for ai-client to B for the MCP server. */
async function bundleWithEntry(): Promise<string> {
  const src = tempDir('mandate-idjag-rego-');
  cpSync(join(repoRoot, 'rego'), src, { recursive: true });
  const dataPath = join(src, 'mandate', 'data.json');
  const data = JSON.parse(readFileSync(dataPath, 'utf8')) as { id_jag: unknown[] };
  data.id_jag.push({
    audience: MCP_AS,
    resources: [RESOURCE],
    scopes: ['hr.profile.read', 'hr.timeoff.read'],
    clients: [CLIENT_AT_IDP.id],
    groups: ['*'],
    max_ttl_seconds: 300,
    client_ids: { [CLIENT_AT_IDP.id]: CLIENT_AT_MCP_AS.id },
  });
  writeFileSync(dataPath, JSON.stringify(data));
  return buildBundle(join(src, 'bundle.tar.gz'), { src });
}

/**
 * An MCP server with one tool, accepting only B's access tokens for RESOURCE (RFC 9068 §4), its
 * tool calls decided by B's policy (asked as the Workday MCP server's client at B).
 */
async function startMcpServer(asUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const rs = createResourceServer({ resource: RESOURCE, issuer: MCP_AS, jwksUri: `${asUrl}/jwks` });
  const policy = createToolPolicy({
    issuer: MCP_AS,
    endpoint: `${asUrl}/access/v1/evaluation`,
    clientId: 'mcp-workday',
    clientSecret: SECRETS.workday,
  });
  return serveMcp(rs, { policy }, () => {
    const mcp = new McpServer({ name: 'workday-test', version: '1.0.0' });
    mcp.registerTool('whoami', { description: 'who the token says is calling' }, (ctx) => {
      const a = accessFrom(ctx);
      return text(JSON.stringify({ sub: a.sub, client_id: a.clientId }));
    });
    return mcp;
  });
}

describe('ID-JAG across two Mandates (enterprise IdP → MCP authorization server → MCP server)', () => {
  let idp: TestService;
  let mcpAs: TestService;
  let mcp: { url: string; close(): Promise<void> };
  let resolve: typeof fetch;

  beforeAll(async () => {
    const bundle = await bundleWithEntry();
    idp = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundle },
      clients: [
        { client_id: CLIENT_AT_IDP.id, client_secret: CLIENT_AT_IDP.secret, grant_types: [TOKEN_EXCHANGE] },
      ],
    });
    mcpAs = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundle, MANDATE_ISSUER: MCP_AS },
      clients: [
        { client_id: CLIENT_AT_MCP_AS.id, client_secret: CLIENT_AT_MCP_AS.secret, grant_types: [JWT_BEARER] },
      ],
      issuers: [
        { issuer: idp.issuer, jwks_uri: `${idp.url}/jwks`, algorithms: ['ES256'], token_types: ['id_jag'] },
      ],
    });
    mcp = await startMcpServer(mcpAs.url);
    resolve = hostsFetch({ [RESOURCE]: mcp.url });
  });
  afterAll(async () => {
    await mcp?.close();
    await mcpAs?.close();
    await idp?.close();
  });

  it('gets an ID-JAG from the IdP, an access token from the MCP server’s AS, and calls a tool', async () => {
    const now = nowSeconds();
    const idToken = await idp.idp.mint({
      iss: idp.idp.issuer,
      sub: 'alice',
      aud: CLIENT_AT_IDP.id,
      iat: now,
      exp: now + 600,
      auth_time: now - 30,
    });

    const jag = await postForm(
      idp.tokenEndpoint,
      {
        grant_type: TOKEN_EXCHANGE,
        requested_token_type: ID_JAG,
        subject_token: idToken,
        subject_token_type: ID_TOKEN,
        audience: MCP_AS,
        resource: RESOURCE,
        scope: 'hr.profile.read hr.timeoff.read hr.records.read',
      },
      { authorization: basic(CLIENT_AT_IDP.id, CLIENT_AT_IDP.secret) },
    );
    expect(jag.status, JSON.stringify(jag.body)).toBe(200);
    expect(jag.body).toMatchObject({ token_type: 'N_A', scope: 'hr.profile.read hr.timeoff.read' });
    // §5: the IdP names the client as the MCP server's AS knows it (the policy's client_ids map).
    expect(decodeJwt(String(jag.body.access_token))).toMatchObject({
      iss: idp.issuer,
      aud: MCP_AS,
      client_id: CLIENT_AT_MCP_AS.id,
      resource: RESOURCE,
    });

    const token = await postForm(
      mcpAs.tokenEndpoint,
      { grant_type: JWT_BEARER, assertion: String(jag.body.access_token), scope: 'hr.profile.read' },
      { authorization: basic(CLIENT_AT_MCP_AS.id, CLIENT_AT_MCP_AS.secret) },
    );
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer', scope: 'hr.profile.read' });
    expect(token.body.refresh_token).toBeUndefined();
    const accessToken = String(token.body.access_token);
    expect(decodeJwt(accessToken)).toMatchObject({
      iss: MCP_AS,
      aud: RESOURCE,
      sub: 'alice',
      client_id: CLIENT_AT_MCP_AS.id,
    });

    const client = new Client({ name: 'ai-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(RESOURCE), {
        fetch: resolve,
        requestInit: { headers: { authorization: `Bearer ${accessToken}` } },
      }),
    );
    try {
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.content).toEqual([
        { type: 'text', text: JSON.stringify({ sub: 'alice', client_id: CLIENT_AT_MCP_AS.id }) },
      ]);
    } finally {
      await client.close();
    }

    // The same ID-JAG cannot be redeemed twice, and the MCP server refuses the IdP's ID-JAG itself.
    const again = await postForm(
      mcpAs.tokenEndpoint,
      { grant_type: JWT_BEARER, assertion: String(jag.body.access_token) },
      { authorization: basic(CLIENT_AT_MCP_AS.id, CLIENT_AT_MCP_AS.secret) },
    );
    expect(again.body).toEqual({
      error: 'invalid_grant',
      error_description: 'assertion has already been used',
    });
    const direct = await resolve(RESOURCE, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${String(jag.body.access_token)}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(direct.status).toBe(401);
    expect(direct.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('an ID-JAG without resource: the client names the MCP server at B (RFC 8707)', async () => {
    const now = nowSeconds();
    const idToken = await idp.idp.mint({
      iss: idp.idp.issuer,
      sub: 'bob',
      aud: CLIENT_AT_IDP.id,
      iat: now,
      exp: now + 600,
    });
    const jag = await postForm(
      idp.tokenEndpoint,
      {
        grant_type: TOKEN_EXCHANGE,
        requested_token_type: ID_JAG,
        subject_token: idToken,
        subject_token_type: ID_TOKEN,
        audience: MCP_AS,
        scope: 'hr.profile.read',
      },
      { authorization: basic(CLIENT_AT_IDP.id, CLIENT_AT_IDP.secret) },
    );
    expect(jag.status, JSON.stringify(jag.body)).toBe(200);
    expect(decodeJwt(String(jag.body.access_token)).resource).toBeUndefined();
    const res = await postForm(
      mcpAs.tokenEndpoint,
      { grant_type: JWT_BEARER, assertion: String(jag.body.access_token), resource: RESOURCE },
      { authorization: basic(CLIENT_AT_MCP_AS.id, CLIENT_AT_MCP_AS.secret) },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.scope).toBe('hr.profile.read');
  });
});

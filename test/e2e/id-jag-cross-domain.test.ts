/**
 * Enterprise-managed authorization end to end (draft-ietf-oauth-identity-assertion-authz-grant §4,
 * MCP SEP-990) across two real Mandates with different issuers, both on the compiled default policy
 * plus one `id_jag` entry: A is the enterprise IdP, B the authorization server of an MCP server and
 * trusts A's JWKS by URL. The AI client exchanges its ID token (from the test IdP) for an ID-JAG at
 * A, redeems it with the jwt-bearer grant at B, then calls a tool on an MCP server (the MCP SDK's
 * server and client over real HTTP) that verifies B's token with the MCP server kit's verifier
 * (packages/mcp-kit/src/access-token.ts) against B's JWKS. The installed
 * MCP SDK has no cross-app-access helpers, so the two token requests are plain HTTP.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenVerifier, createJwksClient, wwwAuthenticate } from '@mandate/mcp-kit';
import { buildBundle, repoRoot, tempDir } from '../policy/helpers.js';
import { basic, freePort, MCP, startTestService, type TestService } from '../helpers/service.js';
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

/** An MCP server with one tool, accepting only B's access tokens for RESOURCE (RFC 9068 §4). */
async function startMcpServer(asUrl: string): Promise<{ url: string; server: Server }> {
  const verifier = createAccessTokenVerifier({
    issuer: MCP_AS,
    audience: RESOURCE,
    jwks: createJwksClient({ jwksUri: `${asUrl}/jwks` }),
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const unauthorized = (res: ServerResponse, description?: string) => {
    res.writeHead(401, {
      'www-authenticate': wwwAuthenticate({
        scheme: 'Bearer',
        resourceMetadata: `${RESOURCE.replace(/\/mcp$/, '')}/.well-known/oauth-protected-resource/mcp`,
        ...(description === undefined ? {} : { error: 'invalid_token', description }),
      }),
    });
    res.end();
  };
  const server = createServer((req: IncomingMessage & { auth?: AuthInfo }, res) => {
    void (async () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      if (m?.[1] === undefined) return unauthorized(res);
      try {
        const payload = await verifier.verify(m[1]);
        req.auth = {
          token: m[1],
          clientId: String(payload.client_id),
          scopes: String(payload.scope ?? '').split(' '),
          ...(payload.exp === undefined ? {} : { expiresAt: payload.exp }),
          extra: { sub: payload.sub },
        };
      } catch {
        return unauthorized(res, 'the access token is not valid for this resource');
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const mcp = new McpServer({ name: 'workday-test', version: '1.0.0' });
      mcp.registerTool('whoami', { description: 'who the token says is calling' }, (extra) => ({
        content: [
          {
            type: 'text',
            text: JSON.stringify({ sub: extra.authInfo?.extra?.sub, client_id: extra.authInfo?.clientId }),
          },
        ],
      }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close().then(() => mcp.close()));
      await mcp.connect(transport);
      await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')));
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url, server };
}

describe('ID-JAG across two Mandates (enterprise IdP → MCP authorization server → MCP server)', () => {
  let idp: TestService;
  let mcpAs: TestService;
  let mcp: { url: string; server: Server };

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
  });
  afterAll(async () => {
    await new Promise((resolve) => mcp?.server.close(resolve));
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
      new StreamableHTTPClientTransport(new URL(mcp.url), {
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
    const direct = await fetch(mcp.url, {
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

/**
 * The OpenID AuthZEN Authorization API 1.0 examples (api/authorization-api-1_0.md of
 * openid/authzen, §10.1.13 "Examples") sent as written to a real Mandate, and the request the kit
 * sends for a tool call: every answer has exactly the specification's shapes (§5.5 Decision, §7.2
 * evaluations, §7.2.1 per-evaluation errors, §10.1.12 request id). The spec's examples ask about
 * todos and documents, which Mandate does not decide: each is a closed decision saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluationRequest, type VerifiedAccess } from '@mandate/mcp-kit';
import { mintAccessToken } from '../../../src/oauth/tokens/mint-access-token.js';
import { basic, MCP, SECRETS, startTestService, type TestService } from '../../helpers/service.js';

let ts: TestService;
const asSalesforce = basic('mcp-salesforce', SECRETS.salesforce);
const REQUEST_ID = 'bfe9eb29-ab87-4ca3-be83-a1d5d8305716';

beforeAll(async () => {
  ts = await startTestService();
}, 120_000);
afterAll(async () => ts?.close());

async function post(path: string, body: unknown) {
  const res = await fetch(`${ts.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: asSalesforce, 'x-request-id': REQUEST_ID },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    id: res.headers.get('x-request-id'),
    body: (await res.json()) as unknown,
  };
}

describe('the specification’s examples, as written', () => {
  it('"Example of an HTTPS Access Evaluation Request": a Decision (§5.5) with a per-evaluation error', async () => {
    const res = await post('/access/v1/evaluation', {
      subject: { type: 'user', id: 'alice@example.com' },
      resource: { type: 'todo', id: '1' },
      action: { name: 'can_read' },
      context: { time: '1985-10-26T01:22-07:00' },
    });
    expect(res).toEqual({
      status: 200,
      type: expect.stringMatching(/^application\/json/),
      id: REQUEST_ID,
      body: {
        decision: false,
        context: {
          error: {
            status: 400,
            message: 'action.name must be tool_call: only MCP tool calls are evaluated',
          },
        },
      },
    });
  });

  it('"Example of an HTTPS Access Evaluations Request": one Decision per evaluation, in order (§7.2)', async () => {
    const res = await post('/access/v1/evaluations', {
      subject: { type: 'user', id: 'alice@example.com' },
      context: { time: '2024-05-31T15:22-07:00' },
      action: { name: 'can_read' },
      evaluations: [
        { resource: { type: 'document', id: 'boxcarring.md' } },
        { resource: { type: 'document', id: 'subject-search.md' } },
        { action: { name: 'can_edit' }, resource: { type: 'document', id: 'resource-search.md' } },
      ],
    });
    const closed = {
      decision: false,
      context: {
        error: { status: 400, message: 'action.name must be tool_call: only MCP tool calls are evaluated' },
      },
    };
    expect(res).toEqual({
      status: 200,
      type: expect.stringMatching(/^application\/json/),
      id: REQUEST_ID,
      body: { evaluations: [closed, closed, closed] },
    });
  });
});

describe('the kit’s request for a tool call', () => {
  async function access(scopes: string[]): Promise<VerifiedAccess> {
    const now = Math.floor(Date.now() / 1000);
    const { token, claims } = await mintAccessToken(ts.service.ctx.signer, {
      issuer: ts.issuer,
      sub: 'alice',
      aud: MCP.salesforce,
      clientId: 'claude-desktop',
      scopes,
      ttlSeconds: 300,
      now,
      extra: { groups: ['sales'] },
    });
    return {
      token,
      clientId: 'claude-desktop',
      scopes,
      expiresAt: claims.exp,
      resource: new URL(MCP.salesforce),
      sub: 'alice',
      claims: { ...claims, aud: MCP.salesforce, iat: now, jti: claims.jti },
      scheme: 'Bearer',
      extra: { sub: 'alice', jti: claims.jti, scheme: 'Bearer' },
    };
  }

  it('is decided: {"decision": true}, nothing else', async () => {
    const body = evaluationRequest(
      await access(['crm.read']),
      { name: 'search_accounts', arguments: {} },
      {},
    );
    expect(await post('/access/v1/evaluation', body)).toMatchObject({
      status: 200,
      body: { decision: true },
    });
  });

  it('stating a fact that is not the token’s is refused, never decided on (§7.2.1 error)', async () => {
    const a = await access(['crm.read']);
    const body = evaluationRequest(a, { name: 'search_accounts', arguments: {} }, {});
    for (const [member, value] of [
      ['jti', 'another'],
      ['client_id', 'cursor'],
      ['scopes', ['crm.read', 'crm.write']],
      ['act', { sub: 'mcp-x' }],
    ] as const) {
      const lying = {
        ...body,
        subject: { ...body.subject, properties: { ...body.subject.properties, [member]: value } },
      };
      expect((await post('/access/v1/evaluation', lying)).body).toEqual({
        decision: false,
        context: {
          error: { status: 400, message: `subject.properties.${member} is not the access token's` },
        },
      });
    }
  });
});

/**
 * The kit's tool policy (packages/mcp-kit/src/policy) against a real Mandate (real Postgres, the
 * shipped bundle compiled from rego/, real HTTP): an MCP endpoint guarded by the kit with no local
 * tool table, where every `tools/call` is decided by Mandate's Rego through AuthZEN. A call with
 * arguments outside policy is refused by the policy with its reason; its decision event names the
 * tool, the arguments (masked where the policy says) and the access token's `jti`; a step-up names
 * every scope; and a new Rego changes the answer with no change to the MCP server.
 */
import { copyFileSync, cpSync, renameSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, createToolPolicy, type ToolPolicyOptions } from '@mandate/mcp-kit';
import { requireAccess } from '@mandate/mcp-kit/express';
import { mintAccessToken } from '../../../src/oauth/tokens/mint-access-token.js';
import { MCP, SECRETS, startTestService, type TestService } from '../../helpers/service.js';
import { buildBundle, repoRoot, tempDir } from '../../policy/helpers.js';

let ts: TestService;
let bundlePath: string;
const servers: Server[] = [];
const now = () => Math.floor(Date.now() / 1000);

// What the Salesforce MCP server would read from its CRM before deciding.
const CRM: Record<string, { owner: string; amount: number }> = {
  'opp-101': { owner: 'alice', amount: 120_000 },
  'opp-201': { owner: 'carol', amount: 30_000 },
  'opp-301': { owner: 'alice', amount: 400_000 },
};

/** An MCP endpoint guarded by the kit: token check, then the policy; the "server" echoes the call. */
async function mcpServer(
  resource: string,
  policy: Partial<ToolPolicyOptions> & { clientId: string; clientSecret: string },
) {
  const rs = createResourceServer({ resource, issuer: ts.issuer, jwksUri: `${ts.url}/jwks` });
  const tools = createToolPolicy({ issuer: ts.issuer, cacheSeconds: 0, ...policy });
  const app = express().use(express.json());
  app.post('/mcp', requireAccess(rs, { policy: tools }), (req, res) => {
    const { id, params } = req.body as { id: number; params: { name: string } };
    res.json({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `ran ${params.name}` }] } });
  });
  const http = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(http);
  const addr = http.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/mcp`, tools };
}

async function token(sub: string, aud: string, scopes: string[], groups: string[]) {
  return mintAccessToken(ts.service.ctx.signer, {
    issuer: ts.issuer,
    sub,
    aud,
    clientId: 'claude-desktop',
    scopes,
    ttlSeconds: 300,
    now: now(),
    extra: { groups },
  });
}

async function callTool(
  url: string,
  bearer: string,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
) {
  const params = { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) };
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }),
  });
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate'),
    body: (await res.json()) as unknown,
  };
}

async function decisionEvent(jti: string) {
  const res = await ts.db.db.query<{
    event: { data: { input: Record<string, unknown>; decision_id: string; bundles: unknown } };
  }>(
    `SELECT event FROM outbox WHERE event->>'type' = 'dev.mandate.decision'
       AND event->'data'->'input'->'context'->>'token_jti' = $1 ORDER BY sequence DESC LIMIT 1`,
    [jti],
  );
  return res.rows[0]?.event.data;
}

let salesforce: Awaited<ReturnType<typeof mcpServer>>;

beforeAll(async () => {
  bundlePath = join(tempDir(), 'bundle.tar.gz');
  copyFileSync(join(repoRoot, 'bundles/default.tar.gz'), bundlePath);
  ts = await startTestService({ env: { MANDATE_POLICY_BUNDLE: bundlePath } });
  salesforce = await mcpServer(MCP.salesforce, {
    clientId: 'mcp-salesforce',
    clientSecret: SECRETS.salesforce,
    attributes: {
      update_opportunity_stage: async (call) => CRM[String(call.arguments.id)] ?? {},
    },
  });
}, 120_000);
afterAll(async () => {
  for (const s of servers) s.close();
  await ts?.close();
});

describe('tool calls decided by Mandate’s policy through the kit', () => {
  it('refuses by policy a call outside it, audited with the tool, arguments, attributes and jti', async () => {
    const { token: t, claims } = await token('alice', MCP.salesforce, ['crm.read', 'crm.write'], ['sales']);
    const args = { id: 'opp-201', stage: 'Closed Won' };
    const refused = await callTool(salesforce.url, t, 'update_opportunity_stage', args);
    const event = await decisionEvent(claims.jti);
    expect(refused).toEqual({
      status: 200,
      challenge: null,
      body: {
        jsonrpc: '2.0',
        id: 1,
        result: {
          resultType: 'complete',
          content: [
            {
              type: 'text',
              text: 'Refused by policy: tool update_opportunity_stage: only the owner may do this',
            },
          ],
          isError: true,
          _meta: { 'dev.mandate/decision': { id: event?.decision_id, reasons: ['not_owner'] } },
        },
      },
    });
    expect(event?.input).toMatchObject({
      action: 'tool_call',
      subject: { sub: 'alice' },
      target: { resource: MCP.salesforce },
      context: {
        tool: 'update_opportunity_stage',
        arguments: args,
        attributes: { owner: 'carol', amount: 30_000 },
        token_jti: claims.jti,
      },
    });
    // Over the amount in the policy data, though alice owns it; her own small one goes through.
    expect(
      await callTool(salesforce.url, t, 'update_opportunity_stage', { id: 'opp-301', stage: 'Won' }),
    ).toMatchObject({
      body: {
        result: {
          isError: true,
          content: [{ text: expect.stringContaining('amount must be below 250000') }],
        },
      },
    });
    expect(
      await callTool(salesforce.url, t, 'update_opportunity_stage', { id: 'opp-101', stage: 'Won' }),
    ).toEqual({
      status: 200,
      challenge: null,
      body: {
        jsonrpc: '2.0',
        id: 1,
        result: { content: [{ type: 'text', text: 'ran update_opportunity_stage' }] },
      },
    });
  });

  it('a call scopes would allow: 403 step-up naming every scope it needs', async () => {
    const { token: t } = await token('alice', MCP.salesforce, ['crm.read'], ['sales']);
    const res = await callTool(salesforce.url, t, 'update_opportunity_stage', {
      id: 'opp-101',
      stage: 'Won',
    });
    expect(res.status).toBe(403);
    expect(res.challenge).toMatch(/error="insufficient_scope".*scope="crm.read crm.write"$/);
    // Not the owner: no scope would help, so no challenge but the policy's reason.
    const other = await callTool(salesforce.url, t, 'update_opportunity_stage', {
      id: 'opp-201',
      stage: 'Won',
    });
    expect(other).toMatchObject({ status: 200, body: { result: { isError: true } } });
  });

  it('masks in the decision event the arguments the policy marks sensitive', async () => {
    const workday = await mcpServer(MCP.workday, { clientId: 'mcp-workday', clientSecret: SECRETS.workday });
    const { token: t, claims } = await token('alice', MCP.workday, ['hr.timeoff.write'], ['sales']);
    const args = { from: '2026-12-24', to: '2026-12-31', reason: 'surgery' };
    expect((await callTool(workday.url, t, 'request_time_off', args)).body).toMatchObject({
      result: { content: [{ text: 'ran request_time_off' }] },
    });
    const event = await decisionEvent(claims.jti);
    expect(event?.input).toMatchObject({
      context: {
        tool: 'request_time_off',
        arguments: { from: '2026-12-24', to: '2026-12-31', reason: '[masked]' },
        token_jti: claims.jti,
      },
    });
    expect(JSON.stringify(event)).not.toContain('surgery');
  });

  it('the decision event carries the trace id of the tool call’s _meta.traceparent', async () => {
    const { token: t, claims } = await token('alice', MCP.salesforce, ['crm.read'], ['sales']);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const r = await callTool(salesforce.url, t, 'get_opportunity', { id: 'opp-101' }, { traceparent });
    expect(r.status).toBe(200);
    const event = (await decisionEvent(claims.jti)) as { trace_id?: string } | undefined;
    expect(event?.trace_id).toBe(traceId);
  });

  it('a new Rego changes the answer, with no change to the MCP server', async () => {
    const { token: t, claims } = await token('alice', MCP.salesforce, ['crm.read', 'crm.write'], ['sales']);
    const call = () =>
      callTool(salesforce.url, t, 'update_opportunity_stage', { id: 'opp-101', stage: 'Won' });
    expect((await call()).body).toMatchObject({
      result: { content: [{ text: 'ran update_opportunity_stage' }] },
    });

    const src = join(tempDir(), 'rego');
    cpSync(join(repoRoot, 'rego'), src, { recursive: true });
    writeFileSync(
      join(src, 'mcp/authz/quarter_close.rego'),
      `package mcp.authz\n\nbase_deny contains reason("quarter_close", "stages are frozen until the quarter closes") if {\n\ttool_call\n\tinput.context.tool == "update_opportunity_stage"\n}\n`,
    );
    const staged = await buildBundle(join(tempDir(), 'v2.tar.gz'), { src, revision: 'quarter-close' });
    renameSync(staged, bundlePath);
    const end = Date.now() + 20_000;
    let answer = await call();
    while (!JSON.stringify(answer.body).includes('isError') && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await call();
    }
    expect(answer.body).toMatchObject({
      result: {
        isError: true,
        content: [{ text: 'Refused by policy: stages are frozen until the quarter closes' }],
        _meta: { 'dev.mandate/decision': { reasons: ['quarter_close'] } },
      },
    });
    expect((await decisionEvent(claims.jti))?.bundles).toMatchObject({
      policy: { revision: 'quarter-close' },
    });
  });
});

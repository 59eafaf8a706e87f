/**
 * The example MCP servers' transport (examples/mcp/common.ts: the SDK v2 handler behind the kit)
 * and the 2026-07-28 Streamable HTTP headers (SEP-2243): a client that speaks 2026-07-28 sends
 * `Mcp-Method` on every POST and `Mcp-Name` on a tool call, and the server refuses a request whose
 * headers disagree with its body (400, JSON-RPC `-32020` HeaderMismatch), so that a gateway which
 * routes or authorizes on the headers cannot be led to pass a different call. The kit itself
 * decides on the body: a header naming a harmless tool does not let a write through.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SALESFORCE_MCP } from '../../../examples/mcp/salesforce-server.js';
import { startExamples, type Examples } from '../../../examples/stack.js';
import { SECRETS, startTestService, type TestService } from '../../helpers/service.js';
import { userToken } from '../helpers.js';

let ts: TestService;
let ex: Examples;
let token = '';
/** Calls that reached the CRM API: a tool that ran. */
const calls: unknown[] = [];
/** A tools/call exactly as the v2 client sent it: URL, headers and body. */
let sent: { headers: Headers; body: Record<string, unknown> } | undefined;

beforeAll(async () => {
  ts = await startTestService();
  ex = await startExamples({ issuer: ts.issuer, secrets: SECRETS, onCall: (c) => calls.push(c) });
  token = await userToken(ts, { sub: 'alice', groups: ['sales'], aud: SALESFORCE_MCP, scopes: ['crm.read'] });
  const tap = (async (input: string | URL | Request, init?: RequestInit) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    if (body.method === 'tools/call') sent = { headers: new Headers(init?.headers), body };
    return ex.fetch(input, init);
  }) as typeof fetch;
  const client = new Client(
    { name: 'headers-test', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(SALESFORCE_MCP), {
      fetch: tap,
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  await client.callTool({ name: 'get_opportunity', arguments: { id: 'opp-101' } });
  await client.close();
});
afterAll(async () => {
  await ex?.close();
  await ts?.close();
});

/** Sends the captured call again with some headers changed (undefined: removed) or another body. */
async function resend(change: Record<string, string | undefined>, body = sent?.body) {
  const headers = new Headers(sent?.headers);
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) headers.delete(k);
    else headers.set(k, v);
  }
  const res = await ex.fetch(SALESFORCE_MCP, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  const json = /^\s*\{/.test(text) ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  const data = /^data: (.*)$/m.exec(text)?.[1];
  return { status: res.status, json: json ?? (data === undefined ? undefined : JSON.parse(data)) };
}

describe('2026-07-28 transport headers on the example MCP servers', () => {
  it('the v2 client sends Mcp-Method and Mcp-Name with the protocol version', () => {
    expect(sent?.headers.get('mcp-method')).toBe('tools/call');
    expect(sent?.headers.get('mcp-name')).toBe('get_opportunity');
    expect(sent?.headers.get('mcp-protocol-version')).toBe('2026-07-28');
  });

  it('the same request again is served', async () => {
    const before = calls.length;
    const r = await resend({});
    expect(r.status).toBe(200);
    expect(calls.length).toBe(before + 1);
    expect(JSON.stringify(r.json)).toContain('opp-101');
  });

  it.each([
    ['Mcp-Name names another tool', { 'mcp-name': 'search_accounts' }],
    ['Mcp-Method names another method', { 'mcp-method': 'tools/list' }],
    ['Mcp-Name is missing', { 'mcp-name': undefined }],
    ['Mcp-Method is missing', { 'mcp-method': undefined }],
  ])('%s: 400 with JSON-RPC error -32020 (HeaderMismatch), the tool does not run', async (_what, change) => {
    const before = calls.length;
    const r = await resend(change);
    expect(r.status).toBe(400);
    expect(calls.length).toBe(before);
    expect(r.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32020 } });
  });

  it('the kit decides on the body: a header naming a read does not let a write through', async () => {
    const params = sent?.body.params as Record<string, unknown>;
    const write = {
      ...sent?.body,
      params: {
        ...params,
        name: 'update_opportunity_stage',
        arguments: { id: 'opp-101', stage: 'Closed Won' },
      },
    };
    const r = await ex.fetch(SALESFORCE_MCP, {
      method: 'POST',
      headers: sent?.headers,
      body: JSON.stringify(write),
    });
    expect(r.status).toBe(403);
    expect(r.headers.get('www-authenticate')).toContain('scope="crm.read crm.write"');
  });
});

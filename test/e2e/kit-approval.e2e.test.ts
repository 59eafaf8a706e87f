/**
 * The kit surfacing an approval (issue 17 §1) against a real Mandate (real Postgres, the shipped
 * policy bundle: Workday's request_time_off above 5 days needs the user's approval, real HTTP, the
 * approval page driven over HTTP with alice's login and its CSRF token), an MCP server and client of
 * the MCP TypeScript SDK connected in memory. The tool asks the kit for the call's token:
 * - a client that declared URL-mode elicitation is sent `elicitation/create` (mode "url") with the
 *   approval page; alice approves there; the same tool call completes with exactly the token asked
 *   for (audience, scope, the tool call, bound to the kit's DPoP key);
 * - a client without it gets a tool error with the link; once approved, the call made again completes;
 * - a denial is a tool error saying "denied", an expiry one saying "expired".
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ApprovalError,
  createExchangeClient,
  generateDpopKey,
  supportsUrlElicitation,
  type DpopKey,
  type UrlElicitation,
} from '@mandate/mcp-kit';
import { Browser, drive, hiddenFields, PUBLIC_CLIENT, RESOURCES } from '../helpers/browser.js';
import { API, SECRETS, startTestService, type TestService } from '../helpers/service.js';
import { aliceWorkdayToken } from '../helpers/tool-approval.js';

let ts: TestService;
let key: DpopKey;
let alice: Browser;

beforeAll(async () => {
  ts = await startTestService({ clients: [PUBLIC_CLIENT], resources: RESOURCES });
  key = await generateDpopKey();
  alice = new Browser();
}, 120_000);
afterAll(async () => ts?.close());

/** Alice's access token for the Workday MCP server, as Mandate issued it to her client. */
async function userToken(ttlSeconds = 300): Promise<string> {
  return (await aliceWorkdayToken(ts, ttlSeconds)).token;
}

/** Alice decides on the approval page: logged in through the IdP, the form with its CSRF token. */
async function decide(url: string, decision: 'approve' | 'deny'): Promise<void> {
  // Not yet signed in: the page sends her through the IdP and back.
  if ((await alice.fetch(url)).status !== 200) await drive(alice, url, url, { user: 'alice' });
  const page = await (await alice.fetch(url)).text();
  expect(page).toContain('Time off of more than 5 days needs your approval');
  const res = await alice.post(url, { ...hiddenFields(page), decision });
  expect(res.status).toBe(200);
}

/** The Workday MCP server's request_time_off: its token is the kit's, for this one call. */
function workdayServer(subjectToken: string): McpServer {
  const exchange = createExchangeClient({
    issuer: ts.issuer,
    clientId: 'mcp-workday',
    clientSecret: SECRETS.workday,
    authMethod: 'client_secret_post',
    services: { workday: { resource: API.workday, dpop: true } },
    dpopKey: key,
  });
  const server = new McpServer({ name: 'workday', version: '1.0.0' });
  server.registerTool('request_time_off', { inputSchema: { days: z.number() } }, async (args, extra) => {
    const url = supportsUrlElicitation(server.server.getClientCapabilities());
    try {
      const token = await exchange.getDownstreamToken(subjectToken, 'workday', ['hr.timeoff.write'], {
        toolCall: { name: 'request_time_off', arguments: args },
        approval: {
          signal: extra.signal,
          ...(url ? { elicit: (p: UrlElicitation) => server.server.elicitInput(p) } : {}),
        },
      });
      return { content: [{ type: 'text', text: token.accessToken }] };
    } catch (err) {
      if (err instanceof ApprovalError)
        return { isError: true, content: [{ type: 'text', text: err.explain() }] };
      throw err;
    }
  });
  return server;
}

/** An MCP client connected to the server; with `onUrl`, it declares URL-mode elicitation. */
async function connect(server: McpServer, onUrl?: (p: UrlElicitation) => Promise<void>) {
  const client = new Client(
    { name: 'agent', version: '1.0.0' },
    { capabilities: onUrl === undefined ? {} : { elicitation: { url: {} } } },
  );
  const asked: UrlElicitation[] = [];
  if (onUrl !== undefined)
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      const p = req.params as UrlElicitation;
      asked.push(p);
      await onUrl(p);
      return { action: 'accept' };
    });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const call = async (days: number) =>
    (await client.callTool({ name: 'request_time_off', arguments: { days } }, undefined, {
      timeout: 60_000,
    })) as CallToolResult;
  return { call, asked };
}

const textOf = (r: CallToolResult) => (r.content[0] as { text: string }).text;
const approvalUrl = (s: string) => /(http:\/\/127\.0\.0\.1:\d+\/approvals\/[\w-]+)/.exec(s)?.[1];

describe('the kit surfaces an approval to the MCP client', () => {
  it('URL-mode elicitation: alice approves on the page; the call completes with exactly that token', async () => {
    const { call, asked } = await connect(workdayServer(await userToken()), (p) => decide(p.url, 'approve'));
    const result = await call(12);
    expect(result.isError ?? false).toBe(false);
    expect(asked).toEqual([
      {
        mode: 'url',
        message: 'Approval required: Time off of more than 5 days needs your approval',
        url: expect.stringMatching(new RegExp(`^${ts.issuer}/approvals/[\\w-]+$`)),
        elicitationId: expect.any(String),
      },
    ]);
    expect(decodeJwt(textOf(result))).toMatchObject({
      sub: 'alice',
      aud: API.workday,
      scope: 'hr.timeoff.write',
      client_id: 'mcp-workday',
      cnf: { jkt: key.jkt },
      authorization_details: [{ type: 'mcp_tool_call', tool: 'request_time_off', arguments: { days: 12 } }],
    });
  }, 60_000);

  it('no URL-mode elicitation: a tool error with the link; approved, the same call again completes', async () => {
    const { call } = await connect(workdayServer(await userToken()));
    const first = await call(14);
    expect(first.isError).toBe(true);
    expect(textOf(first)).toContain('Approval required: Time off of more than 5 days needs your approval');
    const url = approvalUrl(textOf(first));
    expect(url).toBeDefined();
    await decide(url!, 'approve');
    const again = await call(14);
    expect(again.isError ?? false).toBe(false);
    expect(decodeJwt(textOf(again))).toMatchObject({
      authorization_details: [{ type: 'mcp_tool_call', tool: 'request_time_off', arguments: { days: 14 } }],
    });
  }, 60_000);

  it('a denial is a tool error saying denied', async () => {
    const { call } = await connect(workdayServer(await userToken()), (p) => decide(p.url, 'deny'));
    const result = await call(20);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/denied/);
  }, 60_000);

  it('an approval no one decides expires with the user’s token: a tool error saying expired', async () => {
    // The request stays open no longer than the subject token lives (ADR 0014): 12 s here.
    const { call, asked } = await connect(workdayServer(await userToken(12)), async () => undefined);
    const result = await call(9);
    expect(asked).toHaveLength(1);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/expired/);
  }, 60_000);

  it('a call below the threshold needs no one: no elicitation, the token at once', async () => {
    const { call, asked } = await connect(workdayServer(await userToken()), async () => undefined);
    const result = await call(3);
    expect(result.isError ?? false).toBe(false);
    expect(asked).toEqual([]);
  });
});

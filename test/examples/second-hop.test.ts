/**
 * The examples end to end from the MCP client on: a real Mandate (own database, compiled default
 * policy), both example APIs and both MCP servers over real HTTP, the MCP SDK client calling tools.
 * The first-hop tokens are signed by Mandate's own signer here; test/examples/demo-flow.test.ts
 * obtains them by logging in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAccessToken } from '../../src/oauth/tokens/mint-access-token.js';
import { createExchangeClient, generateDpopKey } from '@mandate/mcp-kit';
import { SALESFORCE_API } from '../../examples/apis/salesforce-api.js';
import { WORKDAY_API } from '../../examples/apis/workday-api.js';
import type { ApiCall } from '../../examples/apis/common.js';
import type { ExchangeEvent } from '../../examples/mcp/common.js';
import { SALESFORCE_MCP, SALESFORCE_TOOLS } from '../../examples/mcp/salesforce-server.js';
import { WORKDAY_MCP } from '../../examples/mcp/workday-server.js';
import { startExamples, type Examples } from '../../examples/stack.js';
import { SECRETS, startTestService, type TestService } from '../helpers/service.js';
import { auditEvents, mcpClient, toolText, userToken, type AuditEvent } from './helpers.js';

let ts: TestService;
let ex: Examples;
const calls: ApiCall[] = [];
const exchanges: ExchangeEvent[] = [];

beforeAll(async () => {
  ts = await startTestService();
  ex = await startExamples({
    issuer: ts.issuer,
    secrets: SECRETS,
    onCall: (c) => calls.push(c),
    onExchange: (e) => exchanges.push(e),
  });
});
afterAll(async () => {
  await ex?.close();
  await ts?.close();
});

const alice = (aud: string, scopes: string[]) =>
  userToken(ts, { sub: 'alice', groups: ['sales'], aud, scopes });
const bob = (aud: string, scopes: string[]) => userToken(ts, { sub: 'bob', groups: ['hr'], aud, scopes });
const HR = ['hr.profile.read', 'hr.timeoff.read', 'hr.timeoff.write', 'hr.records.read'];

describe('example MCP servers behind the kit, second hop through Mandate', () => {
  it('alice reads her CRM accounts and only hers', async () => {
    const client = await mcpClient(SALESFORCE_MCP, await alice(SALESFORCE_MCP, ['crm.read']), ex.fetch);
    const r = toolText(await client.callTool({ name: 'search_accounts', arguments: { query: '' } }));
    expect(r.isError).toBe(false);
    expect(r.json).toEqual({
      accounts: [
        { id: 'acc-001', name: 'Acme Corp', industry: 'Manufacturing', owner: 'alice' },
        { id: 'acc-002', name: 'Globex', industry: 'Energy', owner: 'alice' },
      ],
    });
    // carol's opportunity does not exist for alice
    const other = toolText(await client.callTool({ name: 'get_opportunity', arguments: { id: 'opp-201' } }));
    expect(other).toMatchObject({ isError: true, json: { status: 404 } });
    await client.close();
    const mine = exchanges.filter((e) => e.sub === 'alice' && e.service === 'salesforce');
    expect(mine.map((e) => e.outcome)).toEqual(['issued', 'cached']);
    expect(mine[0]).toMatchObject({ tokenType: 'Bearer', grantedScopes: ['crm.read'] });
    expect(mine[0]!.act).toEqual({
      sub: 'mcp-salesforce',
      client_id: 'mcp-salesforce',
      act: { sub: 'claude-desktop', client_id: 'claude-desktop' },
    });
    const apiCall = calls.find((c) => c.api === 'salesforce-api' && c.sub === 'alice');
    expect(apiCall).toMatchObject({ status: 200, scheme: 'Bearer', jti: mine[0]!.jti });
  });

  it('a tool needing a scope the token lacks answers 403 insufficient_scope (step-up)', async () => {
    const token = await alice(SALESFORCE_MCP, ['crm.read']);
    const res = await ex.fetch(SALESFORCE_MCP, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'update_opportunity_stage', arguments: { id: 'opp-101', stage: 'Negotiation' } },
      }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="https://mcp.salesforce.example/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", error_description="this request needs scope crm.write", scope="crm.read crm.write"',
    );
    // With crm.write the same call goes through, and the CRM records the new stage.
    const client = await mcpClient(
      SALESFORCE_MCP,
      await alice(SALESFORCE_MCP, ['crm.read', 'crm.write']),
      ex.fetch,
    );
    const r = toolText(
      await client.callTool({
        name: 'update_opportunity_stage',
        arguments: { id: 'opp-101', stage: 'Negotiation' },
      }),
    );
    expect(r).toMatchObject({
      isError: false,
      json: { id: 'opp-101', stage: 'Negotiation', owner: 'alice' },
    });
    await client.close();
  });

  it("alice is refused bob's HR record by the tool-call policy, with its reason, before any exchange", async () => {
    const client = await mcpClient(WORKDAY_MCP, await alice(WORKDAY_MCP, HR.slice(0, 3)), ex.fetch);
    const r = toolText(
      await client.callTool({ name: 'get_employee_record', arguments: { employee: 'bob' } }),
    );
    expect(r).toMatchObject({
      isError: true,
      text: 'Refused by policy: tool get_employee_record: employee must be yourself',
    });
    expect(exchanges.filter((e) => e.sub === 'alice' && e.tool === 'get_employee_record')).toEqual([]);
    // Her own record passes the tool-call policy; the exchange for hr.records.read is refused by
    // her groups, and the tool says why.
    const own = toolText(
      await client.callTool({ name: 'get_employee_record', arguments: { employee: 'alice' } }),
    );
    expect(own.isError).toBe(true);
    expect(own.text).toMatch(
      /^Access to workday \(hr\.records\.read\) was refused by policy: .*scope hr\.records\.read: not allowed for the subject's groups/,
    );
    const profile = toolText(await client.callTool({ name: 'get_profile', arguments: {} }));
    expect(profile).toMatchObject({ isError: false, json: { id: 'alice', department: 'Sales' } });
    await client.close();
    expect(exchanges.find((e) => e.sub === 'alice' && e.tool === 'get_employee_record')).toMatchObject({
      outcome: 'refused',
      error: 'invalid_scope',
    });
  });

  it('updating an opportunity is decided by policy on what the CRM says of it: owner and amount', async () => {
    const client = await mcpClient(
      SALESFORCE_MCP,
      await alice(SALESFORCE_MCP, ['crm.read', 'crm.write']),
      ex.fetch,
    );
    const update = async (id: string) =>
      toolText(
        await client.callTool({ name: 'update_opportunity_stage', arguments: { id, stage: 'Closed Won' } }),
      );
    const writes = () => calls.filter((c) => c.api === 'salesforce-api' && c.method === 'PATCH').length;
    const before = writes();
    // carol's: the CRM hides it from alice, so the policy has no owner or amount and refuses both.
    expect(await update('opp-201')).toMatchObject({
      isError: true,
      text: 'Refused by policy: tool update_opportunity_stage: amount must be below 250000; tool update_opportunity_stage: only the owner may do this',
    });
    expect(await update('opp-103')).toMatchObject({
      isError: true,
      text: 'Refused by policy: tool update_opportunity_stage: amount must be below 250000',
    });
    expect(writes()).toBe(before);
    // The facts were read with alice's own CRM access, told as such.
    expect(exchanges.filter((e) => e.sub === 'alice' && e.forPolicy === true).length).toBeGreaterThan(0);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual([...SALESFORCE_TOOLS].sort());
    await client.close();
    const isRefusal = (e: AuditEvent) =>
      e.type === 'dev.mandate.decision' &&
      e.data.input?.action === 'tool_call' &&
      JSON.stringify(e.data.input).includes('opp-103') &&
      e.data.enforced?.allow === false;
    const refused = (await auditEvents(ts, (ev) => ev.some(isRefusal))).find(isRefusal);
    expect(refused?.data.input).toMatchObject({
      subject: { sub: 'alice' },
      target: { resource: SALESFORCE_MCP },
      context: {
        tool: 'update_opportunity_stage',
        arguments: { id: 'opp-103', stage: 'Closed Won' },
        attributes: { owner: 'alice', amount: 400_000 },
      },
    });
  });

  it('bob (HR) reads the record, with a DPoP-bound token', async () => {
    const client = await mcpClient(WORKDAY_MCP, await bob(WORKDAY_MCP, HR), ex.fetch);
    const r = toolText(
      await client.callTool({ name: 'get_employee_record', arguments: { employee: 'alice' } }),
    );
    expect(r).toMatchObject({
      isError: false,
      json: { id: 'alice', record: { salary: 98_000, currency: 'EUR' } },
    });
    await client.close();
    const e = exchanges.find((x) => x.sub === 'bob' && x.tool === 'get_employee_record');
    expect(e).toMatchObject({ outcome: 'issued', tokenType: 'DPoP', grantedScopes: ['hr.records.read'] });
    expect(calls.find((c) => c.api === 'workday-api' && c.jti === e!.jti)).toMatchObject({
      status: 200,
      scheme: 'DPoP',
      sub: 'bob',
    });
  });

  it('a sensitive tool argument reaches the policy and is masked in its decision event', async () => {
    const client = await mcpClient(WORKDAY_MCP, await bob(WORKDAY_MCP, HR), ex.fetch);
    const reason = 'dentist: root canal, do not tell the team';
    const r = toolText(
      await client.callTool({
        name: 'request_time_off',
        arguments: { from: '2027-01-11', to: '2027-01-12', reason },
      }),
    );
    await client.close();
    expect(r).toMatchObject({ isError: false, json: { from: '2027-01-11', status: 'pending' } });
    const isIt = (e: AuditEvent) =>
      e.data.input?.action === 'tool_call' && JSON.stringify(e.data.input).includes('2027-01-11');
    const events = await auditEvents(ts, (ev) => ev.some(isIt));
    expect(events.find(isIt)?.data.input).toMatchObject({
      context: {
        tool: 'request_time_off',
        arguments: { from: '2027-01-11', to: '2027-01-12', reason: '[masked]' },
      },
    });
    expect(JSON.stringify(events)).not.toContain('root canal');
  });

  describe('the downstream APIs accept only their own, live, sender-constrained tokens', () => {
    it('refuses a token for the other API', async () => {
      const sf = createExchangeClient({
        issuer: ts.issuer,
        clientId: 'mcp-salesforce',
        clientSecret: SECRETS.salesforce,
      });
      const t = await sf.getDownstreamToken(await alice(SALESFORCE_MCP, ['crm.read']), SALESFORCE_API, [
        'crm.read',
      ]);
      const res = await ex.fetch(`${WORKDAY_API}/v1/workers/me`, {
        headers: { authorization: `Bearer ${t.accessToken}` },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: 'invalid_token',
        error_description: 'access token is not for this resource',
      });
    });

    it('refuses a first-hop token (it names the MCP server, and no act)', async () => {
      const res = await ex.fetch(`${SALESFORCE_API}/v1/accounts`, {
        headers: { authorization: `Bearer ${await alice(SALESFORCE_MCP, ['crm.read'])}` },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid_token' });
    });

    it('refuses an expired token', async () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      const { token } = await mintAccessToken(ts.service.ctx.signer, {
        issuer: ts.issuer,
        sub: 'alice',
        aud: SALESFORCE_API,
        clientId: 'mcp-salesforce',
        scopes: ['crm.read'],
        ttlSeconds: 300,
        now: past,
        act: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce' },
      });
      const res = await ex.fetch(`${SALESFORCE_API}/v1/accounts`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: 'invalid_token',
        error_description: 'access token is expired',
      });
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('refuses a replayed DPoP proof, and the bound token sent as Bearer', async () => {
      const key = await generateDpopKey();
      const wd = createExchangeClient({
        issuer: ts.issuer,
        clientId: 'mcp-workday',
        clientSecret: SECRETS.workday,
        authMethod: 'client_secret_post',
        services: { workday: { resource: WORKDAY_API, dpop: true } },
        dpopKey: key,
      });
      const t = await wd.getDownstreamToken(await bob(WORKDAY_MCP, HR), 'workday', ['hr.profile.read']);
      expect(t.tokenType).toBe('DPoP');
      const url = `${WORKDAY_API}/v1/workers/me`;
      const proof = await key.proof({ method: 'GET', url, accessToken: t.accessToken });
      const send = (authorization: string) => ex.fetch(url, { headers: { authorization, dpop: proof } });
      const first = await send(`DPoP ${t.accessToken}`);
      expect([first.status, await first.json()]).toEqual([200, expect.objectContaining({ id: 'bob' })]);
      const replay = await send(`DPoP ${t.accessToken}`);
      expect(replay.status).toBe(401);
      expect(await replay.json()).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'DPoP proof replayed',
      });
      const downgrade = await ex.fetch(url, { headers: { authorization: `Bearer ${t.accessToken}` } });
      expect(downgrade.status).toBe(401);
      expect(await downgrade.json()).toEqual({
        error: 'invalid_token',
        error_description: 'DPoP-bound access token must be sent with the DPoP scheme',
      });
    });
  });

  it('every exchange above appears in the audit stream with its decision', async () => {
    const exchangeDecisions = (events: Awaited<ReturnType<typeof auditEvents>>) =>
      events.filter((e) => e.type === 'dev.mandate.decision' && e.data.input?.action === 'token_exchange');
    const wanted = exchanges.filter((e) => e.outcome !== 'cached');
    const events = await auditEvents(ts, (ev) => exchangeDecisions(ev).length >= wanted.length + 2);
    const decisions = exchangeDecisions(events);
    const refused = decisions.find(
      (d) => d.subject === 'alice' && d.data.input?.scopes?.includes('hr.records.read'),
    );
    expect(refused?.data.enforced).toMatchObject({ allow: false });
    expect(JSON.stringify(refused?.data.enforced?.reasons)).toContain("not allowed for the subject's groups");
    for (const e of wanted.filter((x) => x.outcome === 'issued')) {
      expect(events.some((ev) => ev.type === 'dev.mandate.token.issued' && ev.data.jti === e.jti)).toBe(true);
    }
    const bobs = decisions.find(
      (d) => d.subject === 'bob' && d.data.input?.scopes?.includes('hr.records.read'),
    );
    expect(bobs?.data.enforced).toMatchObject({ allow: true, scopes: ['hr.records.read'] });
    // Raw tokens never reach the audit stream.
    expect(JSON.stringify(events)).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });
});

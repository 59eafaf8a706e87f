/**
 * The examples end to end from the MCP client on, on the stack of test/examples/second-hop-stack.ts
 * (a real Mandate, both example APIs and both MCP servers over real HTTP): the MCP SDK client calls
 * tools, each MCP server exchanges the user's token through Mandate, the policy decides the tool
 * call, and every exchange lands in the audit stream. The downstream APIs' own checks are in
 * test/examples/second-hop-downstream.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { SALESFORCE_MCP, SALESFORCE_TOOLS } from '../../examples/mcp/salesforce-server.js';
import { WORKDAY_MCP } from '../../examples/mcp/workday-server.js';
import { auditEvents, mcpClient, toolText, type AuditEvent } from './helpers.js';
import { HR, useSecondHop } from './second-hop-stack.js';

const hop = useSecondHop();

describe('example MCP servers behind the kit, second hop through Mandate', () => {
  it('alice reads her CRM accounts and only hers', async () => {
    const client = await mcpClient(
      SALESFORCE_MCP,
      await hop.alice(SALESFORCE_MCP, ['crm.read']),
      hop.ex.fetch,
    );
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
    const mine = hop.exchanges.filter((e) => e.sub === 'alice' && e.service === 'salesforce');
    expect(mine.map((e) => e.outcome)).toEqual(['issued', 'cached']);
    expect(mine[0]).toMatchObject({ tokenType: 'Bearer', grantedScopes: ['crm.read'] });
    expect(mine[0]!.act).toEqual({
      sub: 'mcp-salesforce',
      client_id: 'mcp-salesforce',
      act: { sub: 'claude-desktop', client_id: 'claude-desktop' },
    });
    const apiCall = hop.calls.find((c) => c.api === 'salesforce-api' && c.sub === 'alice');
    expect(apiCall).toMatchObject({ status: 200, scheme: 'Bearer', jti: mine[0]!.jti });
  });

  it('a tool needing a scope the token lacks answers 403 insufficient_scope (step-up)', async () => {
    const token = await hop.alice(SALESFORCE_MCP, ['crm.read']);
    const res = await hop.ex.fetch(SALESFORCE_MCP, {
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
      await hop.alice(SALESFORCE_MCP, ['crm.read', 'crm.write']),
      hop.ex.fetch,
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
    const client = await mcpClient(WORKDAY_MCP, await hop.alice(WORKDAY_MCP, HR.slice(0, 3)), hop.ex.fetch);
    const r = toolText(
      await client.callTool({ name: 'get_employee_record', arguments: { employee: 'bob' } }),
    );
    expect(r).toMatchObject({
      isError: true,
      text: 'Refused by policy: tool get_employee_record: employee must be yourself',
    });
    expect(hop.exchanges.filter((e) => e.sub === 'alice' && e.tool === 'get_employee_record')).toEqual([]);
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
    expect(hop.exchanges.find((e) => e.sub === 'alice' && e.tool === 'get_employee_record')).toMatchObject({
      outcome: 'refused',
      error: 'invalid_scope',
    });
  });

  it('updating an opportunity is decided by policy on what the CRM says of it: owner and amount', async () => {
    const client = await mcpClient(
      SALESFORCE_MCP,
      await hop.alice(SALESFORCE_MCP, ['crm.read', 'crm.write']),
      hop.ex.fetch,
    );
    const update = async (id: string) =>
      toolText(
        await client.callTool({ name: 'update_opportunity_stage', arguments: { id, stage: 'Closed Won' } }),
      );
    const writes = () => hop.calls.filter((c) => c.api === 'salesforce-api' && c.method === 'PATCH').length;
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
    expect(hop.exchanges.filter((e) => e.sub === 'alice' && e.forPolicy === true).length).toBeGreaterThan(0);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual([...SALESFORCE_TOOLS].sort());
    await client.close();
    const isRefusal = (e: AuditEvent) =>
      e.type === 'dev.mandate.decision' &&
      e.data.input?.action === 'tool_call' &&
      JSON.stringify(e.data.input).includes('opp-103') &&
      e.data.enforced?.allow === false;
    const refused = (await auditEvents(hop.ts, (ev) => ev.some(isRefusal))).find(isRefusal);
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
    const client = await mcpClient(WORKDAY_MCP, await hop.bob(WORKDAY_MCP, HR), hop.ex.fetch);
    const r = toolText(
      await client.callTool({ name: 'get_employee_record', arguments: { employee: 'alice' } }),
    );
    expect(r).toMatchObject({
      isError: false,
      json: { id: 'alice', record: { salary: 98_000, currency: 'EUR' } },
    });
    await client.close();
    const e = hop.exchanges.find((x) => x.sub === 'bob' && x.tool === 'get_employee_record');
    expect(e).toMatchObject({ outcome: 'issued', tokenType: 'DPoP', grantedScopes: ['hr.records.read'] });
    expect(hop.calls.find((c) => c.api === 'workday-api' && c.jti === e!.jti)).toMatchObject({
      status: 200,
      scheme: 'DPoP',
      sub: 'bob',
    });
  });

  it('a sensitive tool argument reaches the policy and is masked in its decision event', async () => {
    const client = await mcpClient(WORKDAY_MCP, await hop.bob(WORKDAY_MCP, HR), hop.ex.fetch);
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
    const events = await auditEvents(hop.ts, (ev) => ev.some(isIt));
    expect(events.find(isIt)?.data.input).toMatchObject({
      context: {
        tool: 'request_time_off',
        arguments: { from: '2027-01-11', to: '2027-01-12', reason: '[masked]' },
      },
    });
    expect(JSON.stringify(events)).not.toContain('root canal');
  });

  it('every exchange above appears in the audit stream with its decision', async () => {
    const exchangeDecisions = (events: Awaited<ReturnType<typeof auditEvents>>) =>
      events.filter((e) => e.type === 'dev.mandate.decision' && e.data.input?.action === 'token_exchange');
    const wanted = hop.exchanges.filter((e) => e.outcome !== 'cached');
    const events = await auditEvents(hop.ts, (ev) => exchangeDecisions(ev).length >= wanted.length);
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

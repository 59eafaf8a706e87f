/**
 * The demo's flow as an end-to-end test: the same run as `npm run demo` (Mandate with the
 * development IdP and examples/mandate.json, on a test Postgres database; both example MCP servers
 * and APIs; the MCP SDK client, unmodified, logging in as alice, bob and carol), with assertions on
 * what each hop did and on the audit events Mandate relayed. The connector-backed service's scenes
 * and the approval's have their own assertions: demo-connector.test.ts, demo-approval.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMandate, type DemoMandate } from '../../examples/demo/mandate.js';
import { runDemo, type DemoRun } from '../../examples/demo/run.js';
import { SALESFORCE_MCP } from '../../examples/mcp/salesforce-server.js';
import { WORKDAY_MCP } from '../../examples/mcp/workday-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let db: TestDatabase;
let mandate: DemoMandate;
let run: DemoRun;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  mandate = await startMandate({ DATABASE_URL: db.url });
  run = await runDemo(mandate, { print: false });
}, 60_000);
afterAll(async () => {
  await mandate?.close();
  await db?.drop();
});

const json = (key: string) => JSON.parse(run.results[key]?.text ?? 'null') as unknown;

describe('the demo flow', () => {
  it('alice reads her CRM accounts, and only hers', () => {
    expect(run.results['alice.accounts']?.isError).toBe(false);
    expect(json('alice.accounts')).toEqual({
      accounts: [
        { id: 'acc-001', name: 'Acme Corp', industry: 'Manufacturing', owner: 'alice' },
        { id: 'acc-002', name: 'Globex', industry: 'Energy', owner: 'alice' },
      ],
    });
  });

  it('the MCP SDK client discovers Mandate from the kit-protected server and completes the flow', () => {
    const alice = run.hops.filter((h) => h.user === 'alice').map((h) => h.hop);
    expect(alice[0]).toEqual({
      kind: 'challenge',
      server: SALESFORCE_MCP,
      status: 401,
      wwwAuthenticate:
        'Bearer resource_metadata="https://mcp.salesforce.example/.well-known/oauth-protected-resource/mcp", scope="crm.read"',
    });
    expect(alice[1]).toEqual({
      kind: 'authorize',
      resource: SALESFORCE_MCP,
      scope: 'crm.read',
      steps: ['login', 'consent'],
    });
    expect(alice[2]).toMatchObject({
      kind: 'token',
      grant: 'authorization_code',
      aud: SALESFORCE_MCP,
      scope: 'crm.read',
      clientId: 'demo-mcp-client',
    });
  });

  it('a second read reuses the cached downstream token', () => {
    const sf = run.exchanges.filter((e) => e.sub === 'alice' && e.service === 'salesforce');
    expect(sf.slice(0, 2).map((e) => e.outcome)).toEqual(['issued', 'cached']);
    expect(sf[1]?.jti).toBe(sf[0]?.jti);
    expect(json('alice.opportunity')).toMatchObject({ id: 'opp-101', owner: 'alice' });
  });

  it('writing needs crm.write: 403 insufficient_scope, a new authorization, then the update', () => {
    const alice = run.hops.filter((h) => h.user === 'alice').map((h) => h.hop);
    const stepUp = alice.findIndex((h) => h.kind === 'challenge' && h.status === 403);
    expect(alice[stepUp]).toMatchObject({
      wwwAuthenticate: expect.stringContaining('error="insufficient_scope"') as unknown,
    });
    expect((alice[stepUp] as { wwwAuthenticate: string }).wwwAuthenticate).toContain(
      'scope="crm.read crm.write"',
    );
    expect(alice[stepUp + 1]).toMatchObject({
      kind: 'authorize',
      scope: 'crm.read crm.write',
      steps: ['consent'],
    });
    expect(alice[stepUp + 2]).toMatchObject({ kind: 'token', scope: 'crm.read crm.write' });
    expect(json('alice.update')).toMatchObject({ id: 'opp-101', stage: 'Negotiation' });
  });

  it("the tool-call policy refuses carol's opportunity and one over the amount limit; nothing is written", () => {
    expect(run.results['alice.update.other']).toEqual({
      isError: true,
      text: 'Refused by policy: tool update_opportunity_stage: amount must be below 250000; tool update_opportunity_stage: only the owner may do this',
    });
    expect(run.results['alice.update.large']).toEqual({
      isError: true,
      text: 'Refused by policy: tool update_opportunity_stage: amount must be below 250000',
    });
    const writes = run.calls.filter((c) => c.method === 'PATCH');
    expect(writes.map((c) => [c.path, c.status])).toEqual([['/v1/opportunities/opp-101', 200]]);
  });

  it('every tool call is decided by policy and audited with the access token’s jti', () => {
    const toolCalls = run.audit.filter(
      (e) => e.type === 'dev.mandate.decision' && e.data.input?.action === 'tool_call',
    );
    const context = (e: (typeof toolCalls)[number]) =>
      (e.data.input as { context: { tool: string; arguments: unknown; token_jti: string } }).context;
    // 14 scenes, plus the call that was answered with the step-up before it was sent again
    expect(toolCalls).toHaveLength(15);
    const jtis = new Set(run.hops.flatMap((h) => (h.hop.kind === 'token' ? [h.hop.jti] : [])));
    for (const e of toolCalls) expect(jtis.has(context(e).token_jti)).toBe(true);
    const large = toolCalls.find((e) => JSON.stringify(context(e).arguments).includes('opp-103'));
    expect(large?.data.enforced?.allow).toBe(false);
    expect(JSON.stringify(large?.data.enforced?.reasons)).toContain('over_limit');
    const other = toolCalls.find((e) => context(e).tool === 'get_employee_record' && e.subject === 'alice');
    expect(other?.data.enforced?.allow).toBe(false);
    expect(JSON.stringify(other?.data.enforced?.reasons)).toContain('argument_not_allowed');
  });

  it("alice gets a DPoP-bound Workday token for her profile but is refused the HR record with the policy's reason", () => {
    expect(json('alice.profile')).toMatchObject({ id: 'alice', department: 'Sales' });
    const wd = run.hops.filter((h) => h.user === 'alice' && h.hop.kind === 'token').map((h) => h.hop);
    expect(wd.at(-1)).toMatchObject({
      aud: WORKDAY_MCP,
      scope: 'hr.profile.read hr.timeoff.read hr.timeoff.write',
    });
    expect(run.exchanges.find((e) => e.sub === 'alice' && e.tool === 'get_profile')).toMatchObject({
      outcome: 'issued',
      tokenType: 'DPoP',
    });
    expect(run.results['alice.record.other']).toEqual({
      isError: true,
      text: 'Refused by policy: tool get_employee_record: employee must be yourself',
    });
    expect(run.results['alice.record']).toEqual({
      isError: true,
      text: "Access to workday (hr.records.read) was refused by policy: none of the requested scopes may be granted; scope hr.records.read: not allowed for the subject's groups",
    });
  });

  it('bob (HR) reads the record', () => {
    expect(json('bob.record')).toMatchObject({ id: 'alice', record: { salary: 98_000 } });
    const e = run.exchanges.find((x) => x.sub === 'bob' && x.tool === 'get_employee_record');
    expect(e).toMatchObject({ outcome: 'issued', tokenType: 'DPoP', grantedScopes: ['hr.records.read'] });
    expect(run.calls.find((c) => c.jti === e?.jti)).toMatchObject({
      status: 200,
      scheme: 'DPoP',
      sub: 'bob',
    });
  });

  it('every step appears in the audit stream', () => {
    const decisions = run.audit.filter((e) => e.type === 'dev.mandate.decision');
    const issued = new Set(
      run.audit.filter((e) => e.type === 'dev.mandate.token.issued').map((e) => e.data.jti),
    );
    // every first-hop token and every downstream token the tools used
    for (const h of run.hops) if (h.hop.kind === 'token') expect(issued.has(h.hop.jti)).toBe(true);
    for (const e of run.exchanges)
      if (e.outcome === 'issued' && e.jti !== undefined) expect(issued.has(e.jti)).toBe(true);
    // the connector's token is Salesforce's, opaque: its issuance is named by service and subject
    expect(
      run.audit.filter((e) => e.type === 'dev.mandate.token.issued' && e.data.downstream !== undefined),
    ).toHaveLength(run.exchanges.filter((e) => e.outcome === 'issued' && e.jti === undefined).length);
    // every authorization and every exchange has its decision
    const authorizes = run.hops.filter((h) => h.hop.kind === 'authorize').length;
    expect(decisions.filter((d) => d.data.input?.action === 'authorize').length).toBeGreaterThanOrEqual(
      authorizes,
    );
    // (the poll's answers after an approval or a denial: their decision is the one that asked)
    const exchanged = run.exchanges.filter((e) => e.outcome !== 'cached' && e.polled !== true);
    const exchangeDecisions = decisions.filter((d) => d.data.input?.action === 'token_exchange');
    expect(exchangeDecisions).toHaveLength(exchanged.length);
    const refused = exchangeDecisions.find(
      (d) => d.data.enforced?.allow === false && d.data.input?.subject?.sub === 'alice',
    );
    expect(refused?.data.input?.subject?.sub).toBe('alice');
    expect(JSON.stringify(refused?.data.enforced?.reasons)).toContain(
      "scope hr.records.read: not allowed for the subject's groups",
    );
    expect(run.audit.some((e) => e.type === 'dev.mandate.token.refused' && e.subject === 'alice')).toBe(true);
    expect(JSON.stringify(run.audit)).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });
});

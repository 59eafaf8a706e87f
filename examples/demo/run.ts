/**
 * The demo's scenes: alice (sales) and bob (HR) use an AI client built on the MCP SDK against the
 * two example MCP servers; every hop is told as it happens and the audit events follow each scene.
 * Returns what happened, so that the end-to-end test can assert on the same run.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { ApiCall } from '../apis/common.js';
import type { ExchangeEvent } from '../mcp/common.js';
import { SALESFORCE_MCP } from '../mcp/salesforce-server.js';
import { WORKDAY_MCP } from '../mcp/workday-server.js';
import { startExamples } from '../stack.js';
import { AiClient, type Hop } from './ai-client.js';
import type { AuditEvent } from './audit-feed.js';
import type { DemoMandate } from './mandate.js';
import * as story from './story.js';

export interface DemoRun {
  results: Record<string, { text: string; isError: boolean }>;
  hops: { user: string; hop: Hop }[];
  exchanges: ExchangeEvent[];
  calls: ApiCall[];
  audit: AuditEvent[];
}

const USERS = {
  alice: { username: 'alice', password: 'alice-demo' },
  bob: { username: 'bob', password: 'bob-demo' },
};

export async function runDemo(mandate: DemoMandate, opts: { print?: boolean } = {}): Promise<DemoRun> {
  const print = opts.print !== false;
  const run: DemoRun = { results: {}, hops: [], exchanges: [], calls: [], audit: [] };
  const ex = await startExamples({
    issuer: mandate.issuer,
    secrets: mandate.secrets,
    onExchange: (e) => {
      run.exchanges.push(e);
      if (print) story.exchange(e);
    },
    onCall: (c) => {
      run.calls.push(c);
      if (print) story.apiCall(c);
    },
  });
  const client = (user: keyof typeof USERS) =>
    new AiClient(USERS[user], mandate.issuer, ex.fetch, (hop) => {
      run.hops.push({ user, hop });
      if (print) story.hop(user, hop);
    });
  const alice = client('alice');
  const bob = client('bob');

  async function scene(
    n: number,
    title: string,
    key: string,
    act: () => Promise<CallToolResult>,
  ): Promise<void> {
    if (print) story.scene(n, title);
    const r = await act();
    const first = r.content[0];
    const text = first !== undefined && first.type === 'text' ? first.text : '';
    run.results[key] = { text, isError: r.isError === true };
    if (print) story.result(text, r.isError === true);
    const events = await mandate.audit.settle();
    run.audit.push(...events);
    if (print) story.audit(events);
  }

  try {
    if (print) {
      story.note(`Mandate ${mandate.issuer} · ${mandate.database} · audit from ${mandate.audit.source}`);
      story.note(
        `Salesforce MCP ${ex.hosts[SALESFORCE_MCP]} · Workday MCP ${ex.hosts[WORKDAY_MCP]} (names resolved locally, see examples/lib/hosts.ts)`,
      );
    }
    await scene(1, 'alice (sales) asks her AI client: "which CRM accounts do I own?"', 'alice.accounts', () =>
      alice.callTool(SALESFORCE_MCP, 'search_accounts', { query: '' }),
    );
    await scene(2, 'alice: "show me opportunity opp-101"', 'alice.opportunity', () =>
      alice.callTool(SALESFORCE_MCP, 'get_opportunity', { id: 'opp-101' }),
    );
    await scene(3, 'alice: "move opp-101 to Negotiation" — needs crm.write: step-up', 'alice.update', () =>
      alice.callTool(SALESFORCE_MCP, 'update_opportunity_stage', { id: 'opp-101', stage: 'Negotiation' }),
    );
    await scene(
      4,
      `alice: "move opp-201 to Closed Won" — carol's: refused by the tool-call policy`,
      'alice.update.other',
      () =>
        alice.callTool(SALESFORCE_MCP, 'update_opportunity_stage', { id: 'opp-201', stage: 'Closed Won' }),
    );
    await scene(
      5,
      'alice: "move opp-103 to Negotiation" — hers, but over the amount limit in policy data',
      'alice.update.large',
      () =>
        alice.callTool(SALESFORCE_MCP, 'update_opportunity_stage', { id: 'opp-103', stage: 'Negotiation' }),
    );
    await scene(
      6,
      'alice opens Workday: "what does my profile say?" — a DPoP-bound token',
      'alice.profile',
      () => alice.callTool(WORKDAY_MCP, 'get_profile'),
    );
    await scene(
      7,
      `alice: "show me bob's HR record" — the tool-call policy refuses: not herself, not HR`,
      'alice.record.other',
      () => alice.callTool(WORKDAY_MCP, 'get_employee_record', { employee: 'bob' }),
    );
    await scene(
      8,
      `alice: "show me my HR record" — the tool call is allowed, the exchange is denied`,
      'alice.record',
      () => alice.callTool(WORKDAY_MCP, 'get_employee_record', { employee: 'alice' }),
    );
    await scene(9, `bob (HR): "show me alice's HR record"`, 'bob.record', () =>
      bob.callTool(WORKDAY_MCP, 'get_employee_record', { employee: 'alice' }),
    );
    if (print) {
      const decisions = run.audit.filter((e) => e.type === 'dev.mandate.decision').length;
      story.scene(10, 'done');
      story.note(
        `${run.audit.length} audit events (${decisions} decisions), ${run.exchanges.filter((e) => e.outcome === 'issued').length} downstream tokens issued, ${run.exchanges.filter((e) => e.outcome === 'refused').length} refused, ${run.exchanges.filter((e) => e.outcome === 'cached').length} served from cache; no admin key anywhere.`,
      );
    }
    return run;
  } finally {
    await alice.close();
    await bob.close();
    await ex.close();
  }
}

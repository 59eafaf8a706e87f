/**
 * The demo's scenes, in order: who asks their AI client what, and which tool of which MCP server
 * that becomes. The titles say what the policy will make of it; examples/demo/run.ts plays them.
 */
import { SALESFORCE_MCP } from '../mcp/salesforce-server.js';
import { WORKDAY_MCP } from '../mcp/workday-server.js';

/** The development IdP's demo users the scenes sign in as (src/federation/dev-idp/users.ts). */
export const USERS = {
  alice: { username: 'alice', password: 'alice-demo' },
  bob: { username: 'bob', password: 'bob-demo' },
  carol: { username: 'carol', password: 'carol-demo' },
};
export type DemoUser = keyof typeof USERS;

export interface Scene {
  /** What the run's results are keyed by (the end-to-end tests read them). */
  key: string;
  user: DemoUser;
  title: string;
  server: string;
  tool: string;
  args?: Record<string, unknown>;
  /** The policy will want a person's approval: the user opens the page from the inbox and decides. */
  decide?: 'approve' | 'deny';
}

export const SCENES: readonly Scene[] = [
  {
    key: 'alice.accounts',
    user: 'alice',
    title: 'alice (sales) asks her AI client: "which CRM accounts do I own?"',
    server: SALESFORCE_MCP,
    tool: 'search_accounts',
    args: { query: '' },
  },
  {
    key: 'alice.opportunity',
    user: 'alice',
    title: 'alice: "show me opportunity opp-101"',
    server: SALESFORCE_MCP,
    tool: 'get_opportunity',
    args: { id: 'opp-101' },
  },
  {
    key: 'alice.update',
    user: 'alice',
    title: 'alice: "move opp-101 to Negotiation" — needs crm.write: step-up',
    server: SALESFORCE_MCP,
    tool: 'update_opportunity_stage',
    args: { id: 'opp-101', stage: 'Negotiation' },
  },
  {
    key: 'alice.update.other',
    user: 'alice',
    title: `alice: "move opp-201 to Closed Won" — carol's: refused by the tool-call policy`,
    server: SALESFORCE_MCP,
    tool: 'update_opportunity_stage',
    args: { id: 'opp-201', stage: 'Closed Won' },
  },
  {
    key: 'alice.update.large',
    user: 'alice',
    title: 'alice: "move opp-103 to Negotiation" — hers, but over the amount limit in policy data',
    server: SALESFORCE_MCP,
    tool: 'update_opportunity_stage',
    args: { id: 'opp-103', stage: 'Negotiation' },
  },
  {
    key: 'alice.profile',
    user: 'alice',
    title: 'alice opens Workday: "what does my profile say?" — a DPoP-bound token',
    server: WORKDAY_MCP,
    tool: 'get_profile',
  },
  {
    key: 'alice.record.other',
    user: 'alice',
    title: `alice: "show me bob's HR record" — the tool-call policy refuses: not herself, not HR`,
    server: WORKDAY_MCP,
    tool: 'get_employee_record',
    args: { employee: 'bob' },
  },
  {
    key: 'alice.record',
    user: 'alice',
    title: `alice: "show me my HR record" — the tool call is allowed, the exchange is denied`,
    server: WORKDAY_MCP,
    tool: 'get_employee_record',
    args: { employee: 'alice' },
  },
  {
    key: 'bob.record',
    user: 'bob',
    title: `bob (HR): "show me alice's HR record"`,
    server: WORKDAY_MCP,
    tool: 'get_employee_record',
    args: { employee: 'alice' },
  },
  {
    key: 'alice.cases',
    user: 'alice',
    title:
      'alice: "which support cases do I have in Salesforce?" — an org API that trusts only its own login: Mandate\'s connector gets its token',
    server: SALESFORCE_MCP,
    tool: 'list_cases',
  },
  {
    key: 'carol.cases',
    user: 'carol',
    title:
      'carol (engineering, crm.read): the same question — the policy maps her to no Salesforce user: refused, Salesforce never asked',
    server: SALESFORCE_MCP,
    tool: 'list_cases',
  },
  {
    key: 'alice.timeoff.short',
    user: 'alice',
    title: 'alice: "book me off from 4 to 6 January" — 3 days: no approval needed',
    server: WORKDAY_MCP,
    tool: 'request_time_off',
    args: { from: '2027-01-04', to: '2027-01-06' },
  },
  {
    key: 'alice.timeoff.long',
    user: 'alice',
    title:
      'alice: "book me off from 1 to 12 February" — 12 days, over the policy\'s 5: Mandate asks her to approve (OpenID CIBA), she does, the call completes',
    server: WORKDAY_MCP,
    tool: 'request_time_off',
    args: { from: '2027-02-01', to: '2027-02-12', reason: 'family visit' },
    decide: 'approve',
  },
  {
    key: 'alice.timeoff.denied',
    user: 'alice',
    title:
      "alice's agent asks for the whole of March off (31 days) — she did not ask for that: she denies it on the page, the tool is told access_denied",
    server: WORKDAY_MCP,
    tool: 'request_time_off',
    args: { from: '2027-03-01', to: '2027-03-31' },
    decide: 'deny',
  },
];

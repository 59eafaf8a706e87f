/**
 * Plays the demo's scenes (scenes.ts): alice (sales), bob (HR) and carol (engineering) use an AI
 * client built on the MCP SDK against the two example MCP servers; every hop is told as it happens
 * and the audit events follow each scene. Returns what happened, so that the end-to-end tests can
 * assert on the same run.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { ApiCall } from '../apis/common.js';
import type { ApprovalNotice } from '../../src/oauth/approvals/notice.js';
import type { ExchangeEvent } from '../mcp/common.js';
import { SALESFORCE_ORG } from '../apis/salesforce-org.js';
import { SALESFORCE_MCP } from '../mcp/salesforce-server.js';
import { WORKDAY_MCP } from '../mcp/workday-server.js';
import { startExamples } from '../stack.js';
import { AiClient, type Hop } from './ai-client.js';
import type { AuditEvent } from './audit-feed.js';
import type { DemoMandate } from './mandate.js';
import { SALESFORCE_LOGIN } from './salesforce.js';
import { SCENES, USERS, type DemoUser, type Scene } from './scenes.js';
import * as story from './story.js';

export interface DemoRun {
  results: Record<string, { text: string; isError: boolean }>;
  hops: { user: string; hop: Hop }[];
  exchanges: ExchangeEvent[];
  calls: ApiCall[];
  audit: AuditEvent[];
  /** The approval notices Mandate's webhook posted, in order. */
  approvals: ApprovalNotice[];
}

export interface RunOptions {
  print?: boolean;
  /** Only the scenes with these keys (scenes.ts), numbered as in the whole run. */
  only?: readonly string[];
}

export async function runDemo(mandate: DemoMandate, opts: RunOptions = {}): Promise<DemoRun> {
  const print = opts.print !== false;
  const run: DemoRun = { results: {}, hops: [], exchanges: [], calls: [], audit: [], approvals: [] };
  const ex = await startExamples({
    issuer: mandate.issuer,
    secrets: mandate.secrets,
    salesforceOrg: mandate.salesforceLogin,
    onExchange: (e) => {
      run.exchanges.push(e);
      if (print) story.exchange(e);
    },
    onCall: (c) => {
      run.calls.push(c);
      if (print) story.apiCall(c);
    },
  });
  const clients = new Map<DemoUser, AiClient>();
  const client = (user: DemoUser): AiClient => {
    let c = clients.get(user);
    if (c === undefined) {
      c = new AiClient(USERS[user], mandate.issuer, ex.fetch, (hop) => {
        run.hops.push({ user, hop });
        if (print) story.hop(user, hop);
      });
      clients.set(user, c);
    }
    return c;
  };

  /** The tool call; with `decide`, the user meanwhile opens the approval link from the inbox. */
  async function call(s: Scene): Promise<CallToolResult> {
    const seen = mandate.inbox.notices.length;
    const result = client(s.user).callTool(s.server, s.tool, s.args);
    if (s.decide === undefined) return result;
    const notice = await Promise.race([mandate.inbox.next(seen), result.then(() => undefined)]);
    if (notice === undefined) return result; // answered without asking anyone
    run.approvals.push(notice);
    if (print) story.notice(notice);
    const page = await client(s.user).decideApproval(notice.approval_url, s.decide);
    if (print) story.decided(s.user, page);
    return result;
  }

  async function play(n: number, s: Scene): Promise<void> {
    if (print) story.scene(n, s.title);
    const logins = mandate.salesforceLogin.requests.length;
    const seen = new Set(mandate.audit.all);
    const r: CallToolResult = await call(s);
    const first = r.content[0];
    const text = first !== undefined && first.type === 'text' ? first.text : '';
    run.results[s.key] = { text, isError: r.isError === true };
    if (print) story.result(text, r.isError === true);
    const asked = mandate.salesforceLogin.requests.length - logins;
    if (print && s.tool === 'list_cases')
      story.note(
        `Salesforce's token endpoint was asked ${asked} time${asked === 1 ? '' : 's'} in this scene`,
      );
    // After an approval, the issuance's event comes with the poll, well after the others.
    const notice = s.decide === undefined ? undefined : run.approvals.at(-1);
    // (the issuance names the approval; the denied poll's refusal names its reason)
    if (notice !== undefined)
      await mandate.audit.waitFor(
        (e) =>
          (e.type === 'dev.mandate.token.issued' && e.data.approval_id === notice.approval_id) ||
          (e.type === 'dev.mandate.token.refused' && e.data.reason === 'approval_denied' && !seen.has(e)),
      );
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
      story.note(
        `Salesforce org: login host ${mandate.salesforceLogin.loginUrl} (for ${SALESFORCE_LOGIN}, the connector's login_url) · API ${ex.hosts[SALESFORCE_ORG]} (as ${SALESFORCE_ORG}); its connected app trusts the certificate of Mandate's connector key`,
      );
    }
    for (const [i, s] of SCENES.entries())
      if (opts.only === undefined || opts.only.includes(s.key)) await play(i + 1, s);
    if (print) {
      const decisions = run.audit.filter((e) => e.type === 'dev.mandate.decision').length;
      const count = (o: ExchangeEvent['outcome']) => run.exchanges.filter((e) => e.outcome === o).length;
      story.scene(SCENES.length + 1, 'done');
      story.note(
        `${run.audit.length} audit events (${decisions} decisions), ${count('issued')} downstream tokens issued, ${count('refused')} refused, ${count('cached')} served from cache; no admin key anywhere.`,
      );
    }
    return run;
  } finally {
    for (const c of clients.values()) await c.close();
    await ex.close();
  }
}

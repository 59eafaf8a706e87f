/**
 * A person looks at a waiting request and approves or denies it (ADR 0014). What the page shows
 * comes from the stored decision: who asks (the MCP server's client, the agent chain in `act`),
 * for whom, what (service, scopes, tool and arguments when the exchange named them), and why (the
 * policy's binding message and reasons). Only an approver the obligation names may decide, once,
 * before the request expires; the approval or denial is an audit event naming the decision.
 */
import { mayApprove } from '../../policy/approval.js';
import { reasonText } from '../../policy/reasons.js';
import type { AuditEntry } from '../../audit/port.js';
import type { Approver } from '../../store/approvals.js';
import type { OAuthContext } from '../context.js';
import { agentsOf } from './notice.js';
import { pendingOf, type Pending } from './pending.js';

/** The signed-in person looking at the page (from the first hop's login session). */
export interface Person {
  sub: string;
  iss: string;
  groups: string[];
  name?: string;
}

export interface ApprovalView {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'issued' | 'expired';
  bindingMessage: string;
  clientBindingMessage: string | undefined;
  /** The user on whose behalf it asks, the MCP server's client, and the agents below it. */
  subject: string;
  client: string;
  agents: string[];
  service: string;
  scopes: string[];
  tool: string | undefined;
  arguments: Record<string, unknown> | undefined;
  reasons: string[];
  expiresAt: number;
  /** Whether this person may approve or deny it now. */
  mayDecide: boolean;
}

function view(p: Pending, person: Person, now: number): ApprovalView {
  const { record, obligation, input, decision, issuance } = p;
  const expired = record.status === 'pending' && now >= record.expiresAt;
  return {
    id: record.id,
    status: expired ? 'expired' : record.status,
    bindingMessage: obligation.binding_message,
    clientBindingMessage: record.clientBindingMessage ?? undefined,
    subject: record.sub,
    client: record.clientId,
    agents: agentsOf(issuance.token.act),
    service: issuance.token.aud,
    scopes: decision.scopes,
    tool: input.context.tool,
    arguments: input.context.arguments,
    reasons: decision.reasons.map(reasonText).filter((t) => t !== ''),
    expiresAt: record.expiresAt,
    mayDecide: !expired && record.status === 'pending' && mayApprove(obligation, record.sub, person),
  };
}

/** The page's view of approval `id`, or undefined when there is none the person may see. */
export async function viewApproval(
  ctx: Pick<OAuthContext, 'approvals' | 'now'>,
  id: string,
  person: Person,
): Promise<ApprovalView | undefined> {
  const record = await ctx.approvals?.get(id);
  if (record === undefined) return undefined;
  const p = pendingOf(record);
  // Someone neither asked for nor named as an approver learns nothing of the request.
  if (record.sub !== person.sub && !mayApprove(p.obligation, record.sub, person)) return undefined;
  return view(p, person, ctx.now());
}

/** `unavailable`: the audit log could not take the event, so nothing was decided (try again). */
export type DecideOutcome = 'approved' | 'denied' | 'not_allowed' | 'gone' | 'unavailable';

/**
 * Approves or denies approval `id` as `person`. The decision and its audit event are one unit
 * (docs/audit.md, "No decision without its record"): the event is committed inside the
 * transaction that changes the row, so when the audit log is down the request stays pending and
 * the outcome is `unavailable`.
 */
export async function decideApproval(
  ctx: Pick<OAuthContext, 'approvals' | 'now' | 'audit' | 'log'>,
  id: string,
  verdict: 'approved' | 'denied',
  person: Person,
): Promise<DecideOutcome> {
  const record = await ctx.approvals?.get(id);
  if (record === undefined) return 'gone';
  const p = pendingOf(record);
  if (!mayApprove(p.obligation, record.sub, person)) return 'not_allowed';
  const by: Approver = { sub: person.sub, iss: person.iss, groups: person.groups };
  const token = p.issuance.token;
  const entry: AuditEntry = {
    tokens: [
      {
        kind: verdict === 'approved' ? 'approved' : 'approval_denied',
        action: p.input.action,
        client_id: record.clientId,
        sub: record.sub,
        aud: token.aud,
        scope: token.scopes.join(' '),
        decision_id: p.decision.decision_id,
        approval_id: id,
        approver: person.sub,
        ...(token.act === undefined ? {} : { act: token.act }),
      },
    ],
  };
  let audited = false;
  try {
    const decided = await ctx.approvals!.decide(id, verdict, by, ctx.now(), async () => {
      await ctx.audit.commit(entry);
      audited = true;
    });
    return decided === undefined ? 'gone' : verdict;
  } catch (err) {
    // The event may have committed with the row's change then failing: the log says so.
    ctx.log.error('could not record an approval decision; it was not made', {
      err: String(err),
      approval_id: id,
      audited,
    });
    return 'unavailable';
  }
}

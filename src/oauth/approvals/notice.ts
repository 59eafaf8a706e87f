/**
 * What approvers are told of a new pending approval (ADR 0014; MANDATE_APPROVAL_WEBHOOK_URL): the
 * page to open and enough to know whether it is theirs — who asks, for whom, for what and why.
 * Never a token, a subject token or an `auth_req_id`: the notice may go to a chat channel.
 */
import type { ApprovalObligation } from '../../policy/approval.js';
import type { DecisionInput } from '../../policy/contract.js';
import type { PendingIssuance } from './pending.js';

/** The JSON body of the webhook POST. */
export interface ApprovalNotice {
  approval_id: string;
  /** The approval page (<issuer>/approvals/<id>), which asks approvers to sign in. */
  approval_url: string;
  binding_message: string;
  client_binding_message?: string;
  /** The user on whose behalf it asks. */
  subject: string;
  /** The MCP server's client, and the token's `act` chain, the current actor first. */
  client_id: string;
  agents: string[];
  service: string;
  scopes: string[];
  tool?: string;
  /** Seconds since the epoch. */
  expires_at: number;
}

/** The subs of an `act` chain, the current actor first (RFC 8693 §4.1). */
export function agentsOf(act: unknown): string[] {
  const out: string[] = [];
  for (let a = act; typeof a === 'object' && a !== null; a = (a as { act?: unknown }).act) {
    const sub = (a as { sub?: unknown }).sub;
    if (typeof sub === 'string') out.push(sub);
  }
  return out;
}

/** The notice of approval `id` (page at `url`), from what was stored for it. */
export function approvalNotice(
  id: string,
  url: string,
  pending: {
    input: DecisionInput;
    obligation: ApprovalObligation;
    issuance: PendingIssuance;
    clientBindingMessage?: string;
    expiresAt: number;
  },
): ApprovalNotice {
  const token = pending.issuance.token;
  return {
    approval_id: id,
    approval_url: url,
    binding_message: pending.obligation.binding_message,
    ...(pending.clientBindingMessage === undefined
      ? {}
      : { client_binding_message: pending.clientBindingMessage }),
    subject: pending.input.subject.sub,
    client_id: token.clientId,
    agents: agentsOf(token.act),
    service: token.aud,
    scopes: token.scopes,
    ...(pending.input.context.tool === undefined ? {} : { tool: pending.input.context.tool }),
    expires_at: pending.expiresAt,
  };
}

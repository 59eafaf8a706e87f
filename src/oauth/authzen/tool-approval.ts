/**
 * A tool call a person must approve (ADR 0014, "Tool calls"): the policy allows it with
 * `require_approval`, which a tool call cannot wait for (invariants.ts: `approval_unsupported`).
 * The MCP server asks for the approval at the backchannel authentication endpoint with the call as
 * its one `mcp_tool_call` authorization detail and the user's access token as `login_hint_token`;
 * the approval is kept like an exchange's, and then presented, by its `auth_req_id`, in the AuthZEN
 * evaluation's `context` of the very same call: allowed once, when an approved, unexpired approval
 * exists for exactly this subject, client, agents, tool and arguments (used up by one conditional
 * UPDATE); never redeemable at the token endpoint (grants/ciba.ts).
 */
import { canonicalize } from '../../audit/json-canonicalization.js';
import type { Decision, DecisionInput } from '../../policy/contract.js';
import { startApproval, type ApprovalStarted } from '../approvals/start-approval.js';
import { pendingOf } from '../approvals/pending.js';
import type { OAuthClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { denialError } from '../decisions/policy-denial.js';
import { issuedTo, subjectInput, tokenContext } from '../decisions/subject-input.js';
import { OAuthError, reasonOf } from '../errors.js';
import type { ToolCallDetail } from '../grants/authorization-details.js';
import type { Trace } from '../token-request.js';
import type { TokenClaims } from '../tokens/claims.js';
import { opaqueHash } from '../tokens/opaque-secret.js';
import { TokenType } from '../tokens/token-types.js';

/** A tool call: its name, arguments and the PEP's other resource attributes. */
export interface EvaluatedCall {
  tool: string;
  args: Record<string, unknown>;
  attributes: Record<string, unknown>;
}

/** The policy's input for a tool call made with the verified token `claims` (the token's facts, the call's). */
export async function toolCallInput(
  ctx: OAuthContext,
  caller: OAuthClient,
  call: EvaluatedCall,
  claims: TokenClaims,
): Promise<DecisionInput> {
  const { args, attributes } = call;
  const resource = claims.aud.find((a) => caller.audiences.includes(a));
  const act = claims.act;
  const clientId = claims.client_id ?? caller.clientId;
  const client = await ctx.clients.get(clientId);
  return {
    action: 'tool_call',
    now: ctx.now(),
    subject: subjectInput(claims),
    client: {
      client_id: clientId,
      trust: (client?.trust ?? 'dynamic') as DecisionInput['client']['trust'],
    },
    ...(act === undefined
      ? {}
      : {
          actor: {
            sub: act.sub,
            ...(act.client_id === undefined ? {} : { client_id: act.client_id }),
            ...(act.act === undefined ? {} : { act: act.act as Record<string, unknown> }),
          },
        }),
    target: resource === undefined ? {} : { resource },
    scopes: claims.scopes ?? [],
    context: {
      ...tokenContext(claims, undefined, undefined),
      tool: call.tool,
      arguments: args,
      ...(Object.keys(attributes).length === 0 ? {} : { attributes }),
      ...(claims.jti === undefined ? {} : { token_jti: claims.jti }),
    },
  };
}

/** Whether the (enforced) decision is the policy's allow held back only for want of an approval. */
export function awaitsApproval(decision: Decision): boolean {
  return (
    !decision.allow &&
    decision.obligations.require_approval !== undefined &&
    decision.reasons.some(awaitsApprovalReason)
  );
}

/** What an approval is for: who, through which client and agents, which tool, which arguments. */
function callOf(input: DecisionInput): string {
  return canonicalize({
    action: input.action,
    sub: input.subject.sub,
    iss: input.subject.iss,
    client: input.client.client_id,
    actor: input.actor ?? null,
    target: input.target,
    tool: input.context.tool ?? null,
    arguments: input.context.arguments ?? {},
  });
}

const hintRefused = (why: string, reason = 'login_hint_token_refused' as const) =>
  new OAuthError('unknown_user_id', `login_hint_token refused: ${why}`, { reason });

/** The user's access token, verified: Mandate's own, issued for the asking MCP server. */
async function userToken(ctx: OAuthContext, client: OAuthClient, token: string): Promise<TokenClaims> {
  let verified;
  try {
    verified = await ctx.tokens.verify(token, TokenType.accessToken, 'subject_token');
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    if (reasonOf(err) === 'expired')
      throw new OAuthError('expired_login_hint_token', `login_hint_token refused: ${err.message}`, {
        reason: 'login_hint_token_expired',
        cause: err,
      });
    throw hintRefused(err.message);
  }
  if (!verified.self || !issuedTo(verified.claims, client.clientId, client.audiences))
    throw hintRefused('the access token was not issued for this client');
  return verified.claims;
}

/**
 * /bc-authorize for a tool call (no `resource`/`audience`, one `mcp_tool_call` detail): decided as
 * the AuthZEN evaluation of the call is; started only when the policy wants it approved.
 */
export async function startToolCallApproval(
  ctx: OAuthContext,
  client: OAuthClient,
  ask: { token: string; detail: ToolCallDetail; clientBindingMessage?: string; requestedExpiry?: number },
  trace: Trace,
): Promise<{ body: ApprovalStarted; id: string }> {
  const claims = await userToken(ctx, client, ask.token);
  trace.sub = claims.sub;
  const call = { tool: ask.detail.tool, args: ask.detail.arguments ?? {}, attributes: {} };
  const input = await toolCallInput(ctx, client, call, claims);
  const decision = ctx.decisions.decide(input);
  trace.decision = { decision, input };
  if (decision.allow)
    throw new OAuthError('invalid_request', 'no approval is needed: evaluate the tool call', {
      reason: 'approval_not_required',
    });
  const obligation = decision.obligations.require_approval;
  if (obligation === undefined || !awaitsApproval(decision)) {
    const e = denialError(decision);
    throw new OAuthError('access_denied', e.message, { reason: reasonOf(e) as `policy:${string}` });
  }
  // What the approver is shown: the policy's reasons, not that a tool call cannot wait.
  const shown = { ...decision, reasons: decision.reasons.filter((r) => !awaitsApprovalReason(r)) };
  return startApproval(ctx, ctx.approvals!, {
    input,
    decision: shown,
    obligation,
    issuance: {
      // Never minted (grants/ciba.ts refuses a tool call's auth_req_id): what the page and notice show.
      token: {
        issuer: ctx.issuer,
        sub: claims.sub,
        aud: input.target.resource ?? client.clientId,
        clientId: client.clientId,
        scopes: claims.scopes ?? [],
        ...(claims.act === undefined ? {} : { act: claims.act as unknown as Record<string, unknown> }),
      },
      subjectExp: claims.exp,
      issuedTokenType: TokenType.accessToken,
      ...(claims.jti === undefined ? {} : { subjectJti: claims.jti }),
    },
    ...(ask.clientBindingMessage === undefined ? {} : { clientBindingMessage: ask.clientBindingMessage }),
    ...(ask.requestedExpiry === undefined ? {} : { requestedExpiry: ask.requestedExpiry }),
  });
}

function awaitsApprovalReason(r: Decision['reasons'][number]): boolean {
  return typeof r !== 'string' && r.code === 'approval_unsupported';
}

/** An approval presented with a tool call's evaluation, as it stands. */
export type ApprovalUse =
  /** None usable for this call (unknown, another client's or call's, or used already). */
  | { kind: 'none' }
  | { kind: 'pending'; slowDown: boolean; interval: number }
  | { kind: 'denied'; approvalId: string }
  | { kind: 'expired'; approvalId: string }
  /** Approved, and now used up by this call. */
  | { kind: 'used'; approvalId: string; approver?: string };

/**
 * The approval `authReqId` for exactly the call `input` made through `callerId`: used up (once,
 * a conditional UPDATE) when approved and unexpired. Each presentation counts as a CIBA poll, so
 * one sooner than the interval is `slowDown` and raises it.
 */
export async function useToolCallApproval(
  ctx: OAuthContext,
  callerId: string,
  input: DecisionInput,
  authReqId: string,
): Promise<ApprovalUse> {
  const approvals = ctx.approvals;
  if (approvals === undefined) return { kind: 'none' };
  const hash = opaqueHash(authReqId);
  const now = ctx.now();
  const polled = await approvals.poll(hash, now);
  if (polled === undefined || polled.approval.clientId !== callerId) return { kind: 'none' };
  const p = pendingOf(polled.approval);
  if (p.input.action !== 'tool_call' || callOf(p.input) !== callOf(input)) return { kind: 'none' };
  const { status, expiresAt, id } = p.record;
  if (status === 'issued') return { kind: 'none' };
  if (status === 'denied') return { kind: 'denied', approvalId: id };
  if (now >= expiresAt) return { kind: 'expired', approvalId: id };
  if (status === 'pending')
    return { kind: 'pending', slowDown: polled.tooFast, interval: polled.approval.pollInterval };
  if (!(await approvals.markIssued(hash, now))) return { kind: 'none' };
  return {
    kind: 'used',
    approvalId: id,
    ...(p.record.decidedBy === null ? {} : { approver: p.record.decidedBy.sub }),
  };
}

/**
 * Tool calls decided by policy for resource servers: the OpenID AuthZEN Authorization API 1.0
 * access evaluation (§6) and evaluations (§7). The caller (the PEP) is an MCP server
 * authenticated as its client; the subject is an access token Mandate issued to that server's
 * users, verified here, so the facts policy sees (subject, client, actor chain, scopes, `jti`) are
 * the token's and never the caller's word. The same Rego decides (`tool_call`, with the tool's
 * arguments), every decision is audited with the token's `jti`, arguments the policy marks
 * sensitive masked; a denial carries its reason and every scope the tool needs (step-up).
 */
import { MASK } from '../../audit/mask.js';
import type { TokenFact } from '../../audit/port.js';
import type { Decision, DecisionInput, Reason } from '../../policy/contract.js';
import { authenticateClient } from '../clients/client-auth.js';
import type { OAuthClient } from '../clients/client.js';
import { clientAuthAt, type OAuthContext } from '../context.js';
import { issuedTo } from '../decisions/subject-input.js';
import { OAuthError } from '../errors.js';
import { Params } from '../params.js';
import { TokenType } from '../tokens/token-types.js';
import type { TokenClaims } from '../tokens/claims.js';
import type { Evaluation, EvaluationsSemantic } from './request.js';
import { awaitsApproval, toolCallInput, useToolCallApproval, type ApprovalUse } from './tool-approval.js';

/** The AuthZEN action and resource type of an MCP tool call. */
export const TOOL_CALL = { action: 'tool_call', resourceType: 'mcp_tool' } as const;

/** An Access Evaluation response (§6.2): the decision and, on a denial, why and what would help. */
export interface EvaluationResponse {
  decision: boolean;
  context?: Record<string, unknown>;
}

/** Authenticates the PEP (HTTP Basic, RFC 6749 §2.3.1); public clients cannot ask. */
export async function authenticatePep(
  ctx: OAuthContext,
  authorization: string | undefined,
  endpoint: 'accessEvaluation' | 'accessEvaluations',
): Promise<OAuthClient> {
  const { client, method } = await authenticateClient(
    authorization,
    Params.parse(''),
    clientAuthAt(ctx, endpoint),
  );
  if (method === 'none')
    throw new OAuthError('invalid_client', 'access evaluation requires client authentication', {
      reason: 'public_client',
    });
  return client;
}

/** A per-evaluation error (§7.2.1): a closed decision whose context says what was wrong. */
function failed(status: number, message: string): EvaluationResponse {
  return { decision: false, context: { error: { status, message } } };
}

function reasonText(r: Reason): string {
  return typeof r === 'string' ? r : r.message;
}

function reasonCode(r: Reason): string {
  return typeof r === 'string' ? r : r.code;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** The decision input as audited: arguments the policy marked sensitive replaced by the mask. */
export function auditedInput(input: DecisionInput, decision: Decision): DecisionInput {
  const sensitive = stringList(decision.obligations.mask_arguments);
  const args = input.context.arguments;
  if (args === undefined || sensitive.length === 0) return input;
  const masked = Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, sensitive.includes(k) ? MASK : v]),
  );
  return { ...input, context: { ...input.context, arguments: masked } };
}

/**
 * The token's facts a PEP may state beside it (the kit does, so that a request reads on its own):
 * the decision is on the verified token's, and a request whose stated facts differ is refused
 * rather than decided on facts the caller did not mean. Returns the first member that differs.
 */
function statedFactMismatch(
  props: Record<string, unknown>,
  claims: { client_id?: string; jti?: string; scopes?: string[]; act?: { sub: string } },
): string | undefined {
  if (props.client_id !== undefined && props.client_id !== claims.client_id) return 'client_id';
  if (props.jti !== undefined && props.jti !== claims.jti) return 'jti';
  if (props.scopes !== undefined) {
    const held = new Set(claims.scopes ?? []);
    const said = Array.isArray(props.scopes) ? props.scopes : [null];
    if (said.length !== held.size || !said.every((s) => typeof s === 'string' && held.has(s)))
      return 'scopes';
  }
  if (props.act !== undefined) {
    const sub =
      typeof props.act === 'object' && props.act !== null ? (props.act as { sub?: unknown }).sub : null;
    if (sub !== claims.act?.sub) return 'act';
  }
  return undefined;
}

/**
 * A denial's answer: the decision id and reasons, and for a step-up every scope the call needs. A
 * call the policy allows only once a person approves it (`require_approval`, which a tool call
 * cannot wait for: invariants.ts) is no plain deny: `context.approval_required` is true, with the
 * policy's `binding_message` and `ttl_seconds`, so the PEP can tell the user a person must approve
 * (ADR 0014: the PEP asks for the approval at /bc-authorize and presents its `auth_req_id` here).
 */
function denial(decision: Decision, claims: TokenClaims): EvaluationResponse {
  const codes = decision.reasons.map(reasonCode);
  const context: Record<string, unknown> = {
    id: decision.decision_id,
    reason_admin: { en: codes.join(' ') },
    reason_user: { en: decision.reasons.map(reasonText).join('; ') },
  };
  const approval = decision.obligations.require_approval;
  if (approval !== undefined && codes.includes('approval_unsupported')) {
    context.approval_required = true;
    context.binding_message = approval.binding_message;
    context.ttl_seconds = approval.ttl_seconds;
    context.reason_user = { en: approval.binding_message };
  }
  // Step-up (MCP 2026-07-28): one challenge names every scope the call needs, with those held.
  if (codes.includes('insufficient_scope')) {
    const needed = new Set([...(claims.scopes ?? []), ...stringList(decision.obligations.required_scopes)]);
    context.scope = [...needed].join(' ');
  }
  return { decision: false, context };
}

/** Decides one evaluation: a tool call made with an access token issued for the caller. */
export async function evaluateToolCall(
  ctx: OAuthContext,
  caller: OAuthClient,
  ev: Evaluation,
): Promise<EvaluationResponse> {
  if (ev.action.name !== TOOL_CALL.action)
    return failed(400, `action.name must be ${TOOL_CALL.action}: only MCP tool calls are evaluated`);
  if (ev.resource.type !== TOOL_CALL.resourceType)
    return failed(400, `resource.type must be ${TOOL_CALL.resourceType}`);
  const token = ev.subject.properties.token;
  if (typeof token !== 'string') return failed(400, 'subject.properties.token must hold the access token');
  const { arguments: args = {}, ...attributes } = ev.resource.properties;
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    return failed(400, 'resource.properties.arguments must be an object');

  let verified;
  try {
    verified = await ctx.tokens.verify(token, TokenType.accessToken, 'subject_token');
  } catch (err) {
    if (err instanceof OAuthError) return failed(401, `the access token is not valid: ${err.description}`);
    throw err;
  }
  const claims = verified.claims;
  // Only Mandate's own tokens, and only those issued for this caller (its MCP server resource).
  if (!verified.self || !issuedTo(claims, caller.clientId, caller.audiences))
    return failed(403, 'the access token was not issued for this client');
  if (ev.subject.id !== claims.sub) return failed(400, "subject.id is not the access token's sub");
  const stated = statedFactMismatch(ev.subject.properties, claims);
  if (stated !== undefined) return failed(400, `subject.properties.${stated} is not the access token's`);

  const call = { tool: ev.resource.id, args: args as Record<string, unknown>, attributes };
  const input = await toolCallInput(ctx, caller, call, claims);
  const decision = ctx.decisions.decide(input);
  const authReqId = ev.context.auth_req_id;
  const use: ApprovalUse =
    typeof authReqId === 'string' && awaitsApproval(decision)
      ? await useToolCallApproval(ctx, caller.clientId, input, authReqId)
      : { kind: 'none' };
  await ctx.audit.commit({
    decision: { decision, input: auditedInput(input, decision) },
    tokens: use.kind === 'used' ? [approvalUsed(input, decision, use)] : [],
  });
  if (decision.allow || use.kind === 'used') return { decision: true };
  return withApproval(denial(decision, claims), use);
}

/** decision → approval → use: the approved tool call's event names the decision and the approval. */
function approvalUsed(
  input: DecisionInput,
  decision: Decision,
  use: Extract<ApprovalUse, { kind: 'used' }>,
): TokenFact {
  return {
    kind: 'approval_used',
    action: 'tool_call',
    client_id: input.client.client_id,
    sub: input.subject.sub,
    ...(input.target.resource === undefined ? {} : { aud: input.target.resource }),
    scope: input.scopes.join(' '),
    decision_id: decision.decision_id,
    approval_id: use.approvalId,
    ...(use.approver === undefined ? {} : { approver: use.approver }),
    ...(input.actor === undefined ? {} : { act: input.actor }),
  };
}

/** The state of a presented approval, in the denial's context (`approval_status`). */
function withApproval(res: EvaluationResponse, use: ApprovalUse): EvaluationResponse {
  if (use.kind === 'none' || use.kind === 'used') return res;
  const context: Record<string, unknown> = { ...res.context, approval_status: use.kind };
  if (use.kind === 'pending') {
    context.approval_status = use.slowDown ? 'slow_down' : 'pending';
    return { decision: false, context: { ...context, interval: use.interval } };
  }
  if (use.kind === 'denied') {
    delete context.approval_required;
    return {
      decision: false,
      context: {
        ...context,
        reason_admin: { en: 'approval_denied' },
        reason_user: { en: 'the approval was denied' },
      },
    };
  }
  return { decision: false, context };
}

/** Access Evaluations (§7): each in order, stopping as the semantic says (§7.1.2.1). */
export async function evaluateAll(
  ctx: OAuthContext,
  caller: OAuthClient,
  evaluations: Evaluation[],
  semantic: EvaluationsSemantic,
): Promise<{ evaluations: EvaluationResponse[] }> {
  const out: EvaluationResponse[] = [];
  for (const ev of evaluations) {
    const res = await evaluateToolCall(ctx, caller, ev);
    out.push(res);
    if (semantic === 'deny_on_first_deny' && !res.decision) break;
    if (semantic === 'permit_on_first_permit' && res.decision) break;
  }
  return { evaluations: out };
}

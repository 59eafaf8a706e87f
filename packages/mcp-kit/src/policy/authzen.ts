/**
 * The wire of one OpenID AuthZEN Authorization API 1.0 access evaluation (§6) for an MCP tool call,
 * as Mandate serves it: the request the kit sends (subject = the user with the verified access token
 * and its facts, action `tool_call`, resource = the tool with its arguments and what the server read
 * about the object it acts on) and the decision it reads back (§5.5, reasons and step-up scopes in
 * `context`). Pure functions: tool-policy.ts sends and caches.
 */
import type { VerifiedAccess } from '../resource.js';

/** One tool call as the policy sees it. */
export interface ToolCall {
  /** The tool's name (`params.name` of a JSON-RPC `tools/call`). */
  name: string;
  /** Its arguments (`params.arguments`). */
  arguments: Record<string, unknown>;
  /**
   * The caller's W3C trace context (`params._meta.traceparent`, MCP 2026-07-28), sent on to Mandate
   * as the `traceparent` header so that the decision event carries the agent's trace id. Not part
   * of the decision or of its cache key.
   */
  traceparent?: string;
}

/** The body of an Access Evaluation request (AuthZEN 1.0 §6.1). */
export interface AccessEvaluationRequest {
  subject: { type: 'user'; id: string; properties: Record<string, unknown> };
  action: { name: 'tool_call' };
  resource: { type: 'mcp_tool'; id: string; properties: Record<string, unknown> };
  /** Mandate's extension: `auth_req_id` presents the approval of this call (ADR 0014). */
  context?: Record<string, unknown>;
}

/**
 * The request for one tool call. Mandate decides on the access token it verifies itself (it must
 * have been issued for this server); the token's facts travel beside it so that the request reads
 * on its own, and Mandate refuses a request whose facts are not the token's.
 */
export function evaluationRequest(
  access: VerifiedAccess,
  call: ToolCall,
  attributes: Record<string, unknown>,
): AccessEvaluationRequest {
  const { act } = access.claims;
  return {
    subject: {
      type: 'user',
      id: access.sub,
      properties: {
        token: access.token,
        client_id: access.clientId,
        scopes: access.scopes,
        jti: access.claims.jti,
        ...(act === undefined ? {} : { act }),
      },
    },
    action: { name: 'tool_call' },
    // `arguments` is the call's; every other member is an attribute of the object it acts on.
    resource: { type: 'mcp_tool', id: call.name, properties: { ...attributes, arguments: call.arguments } },
  };
}

/** What the policy decided about one tool call. */
export type ToolDecision =
  | { allow: true; decisionId: string | undefined }
  | {
      allow: false;
      decisionId: string | undefined;
      /** The policy's reason codes (e.g. `insufficient_scope`, `not_owner`). */
      codes: string[];
      /** The policy's reason, for the user. */
      message: string;
      /**
       * Every scope the call needs (the token's and the tool's), when more scopes alone would
       * turn the answer into an allow: send them in a 403 step-up challenge.
       */
      stepUpScopes: string[] | undefined;
      /**
       * The policy allows the call once a person approves it (Mandate's `context.approval_required`,
       * ADR 0014): the binding message says why. Undefined for any other refusal. `status` is the
       * approval the kit started (`started`, with its page) or presented (`context.approval_status`):
       * `pending` (or `slow_down`), `denied`, `expired`; absent when none was started.
       */
      approval?: ToolApproval;
    };

/** A call that waits for a person's approval, as far as the kit knows. */
export interface ToolApproval {
  bindingMessage: string;
  status?: 'started' | 'pending' | 'denied' | 'expired';
  /** The approval page, only when on Mandate's own origin. */
  approvalUri?: string | undefined;
}

/** Mandate's `context.approval_status` of a presented approval (`slow_down` is still pending). */
function approvalStatus(v: unknown): ToolApproval['status'] {
  if (v === 'pending' || v === 'slow_down') return 'pending';
  return v === 'denied' || v === 'expired' ? v : undefined;
}

/** A response that is not an AuthZEN decision: the kit fails closed. */
export class AuthzenResponseError extends Error {
  override readonly name = 'AuthzenResponseError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): string | undefined {
  return isObject(v) && typeof v.en === 'string' ? v.en : undefined;
}

/** The approval a refusal asks for or reports on (a denied one no longer says `approval_required`). */
function approvalOf(context: Record<string, unknown>, message: string): { approval?: ToolApproval } {
  const status = approvalStatus(context.approval_status);
  if (context.approval_required !== true && status !== 'denied' && status !== 'expired') return {};
  const bindingMessage = typeof context.binding_message === 'string' ? context.binding_message : message;
  return { approval: { bindingMessage, ...(status === undefined ? {} : { status }) } };
}

/** Reads a Decision (§5.5): `decision` is a boolean; anything else in `context` is Mandate's. */
export function readDecision(body: unknown): ToolDecision {
  if (!isObject(body) || typeof body.decision !== 'boolean')
    throw new AuthzenResponseError('the policy decision point did not answer with a decision');
  const context = isObject(body.context) ? body.context : {};
  const decisionId = typeof context.id === 'string' ? context.id : undefined;
  if (body.decision) return { allow: true, decisionId };
  // §7.2.1: a per-evaluation error is a closed decision whose context says what was wrong.
  if (isObject(context.error))
    return {
      allow: false,
      decisionId,
      codes: ['evaluation_error'],
      message: `the policy could not decide: ${String(context.error.message ?? 'unknown error')}`,
      stepUpScopes: undefined,
    };
  const codes = (text(context.reason_admin) ?? '').split(' ').filter((c) => c !== '');
  const scope = typeof context.scope === 'string' ? context.scope.split(' ').filter((s) => s !== '') : [];
  // Step-up only when scopes are all that is missing: another reason stands whatever is granted.
  const stepUp = codes.length > 0 && codes.every((c) => c === 'insufficient_scope') && scope.length > 0;
  const message = text(context.reason_user) ?? 'refused by policy';
  return {
    allow: false,
    decisionId,
    codes,
    message,
    stepUpScopes: stepUp ? scope : undefined,
    ...approvalOf(context, message),
  };
}

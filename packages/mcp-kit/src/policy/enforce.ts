/**
 * Enforcing the policy's decisions on an MCP JSON-RPC request before it reaches the server, the
 * way MCP clients expect to be answered (MCP authorization spec 2025-11-25 "Scope Challenge
 * Handling", MCP tools "Error Handling"):
 * - a call the policy would allow with more scopes: 403 `insufficient_scope` whose `scope` is every
 *   scope the call needs (the token's and the tool's), so that one step-up suffices;
 * - a call refused for any other reason: a tool result with `isError: true` carrying the policy's
 *   reason, which the client shows to the model and the user (scopes would not help, so no
 *   challenge that a client would follow into a useless login).
 * Framework-free: the Express and fastify adapters call {@link enforceToolPolicy} through
 * {@link policyAnswer}.
 */
import type { ResourceServer, VerifiedAccess } from '../resource.js';
import type { ToolApproval, ToolCall, ToolDecision } from './authzen.js';
import type { ToolPolicy } from './tool-policy.js';
import { wellFormedTraceparent } from '../trace-context.js';

type JsonRpcId = string | number | null;

interface PendingCall {
  id: JsonRpcId;
  call: ToolCall;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function idOf(m: Record<string, unknown>): JsonRpcId {
  return typeof m.id === 'string' || typeof m.id === 'number' ? m.id : null;
}

/** A request header given once (Node joins repeats of an unknown header, which then fail the check). */
export function headerOf(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * The `tools/call` requests of a JSON-RPC message or batch. Arguments that are not an object are
 * decided as none (the server refuses such a call as invalid params anyway). Each call's trace
 * context is its `_meta.traceparent` (MCP 2026-07-28), else `transportTraceparent`, the HTTP
 * request's `traceparent` header: whichever is well-formed, the call's own first.
 */
export function toolCallsOf(message: unknown, transportTraceparent?: string): PendingCall[] {
  const messages = Array.isArray(message) ? message : [message];
  const transport = wellFormedTraceparent(transportTraceparent);
  const calls: PendingCall[] = [];
  for (const m of messages) {
    if (!isObject(m) || m.method !== 'tools/call') continue;
    const params = isObject(m.params) ? m.params : {};
    const name = typeof params.name === 'string' ? params.name : '';
    const args = isObject(params.arguments) ? params.arguments : {};
    const traceparent =
      wellFormedTraceparent(isObject(params._meta) ? params._meta.traceparent : undefined) ?? transport;
    calls.push({ id: idOf(m), call: { name, arguments: args, ...(traceparent ? { traceparent } : {}) } });
  }
  return calls;
}

/**
 * What the user reads about a call waiting for a person's approval (approval-errors.ts' wording):
 * where to approve it when the kit started or presented one, how it ended when denied or expired.
 */
export function approvalText(approval: ToolApproval): string {
  const { bindingMessage: why, status, approvalUri: uri } = approval;
  if (status === 'denied') return `The request was denied: ${why} was not approved, so nothing was done.`;
  if (status === 'expired')
    return `The approval request expired before anyone approved it (${why}); nothing was done. Call the tool again to ask anew.`;
  if (status === undefined) return `Approval required: ${why}`;
  const head = status === 'pending' ? `Still waiting for approval: ${why}.` : `Approval required: ${why}.`;
  return uri === undefined
    ? `${head} The approvers have been asked; call the tool again once it is approved.`
    : `${head} Approve the request at ${uri}, then call the tool again.`;
}

/**
 * The MCP tool result of a refused call: `isError` with the policy's reason (and its decision id);
 * a call the policy wants a person to approve says so ({@link approvalText}, and `approval_required`,
 * `approval_status` and `approval_uri` in the decision meta) rather than reading as a plain refusal.
 * `resultType: "complete"` is required of a 2026-07-28 server (the v2 client refuses a result
 * without it) and is an extra member an earlier revision's `Result` allows, so it is always sent.
 */
export function refusedToolResult(
  decision: Extract<ToolDecision, { allow: false }>,
): Record<string, unknown> {
  const approval = decision.approval;
  const text = approval === undefined ? `Refused by policy: ${decision.message}` : approvalText(approval);
  const waiting = approval !== undefined && approval.status !== 'denied' && approval.status !== 'expired';
  return {
    resultType: 'complete',
    content: [{ type: 'text', text }],
    isError: true,
    _meta: {
      'dev.mandate/decision': {
        ...(decision.decisionId === undefined ? {} : { id: decision.decisionId }),
        reasons: decision.codes,
        ...(waiting ? { approval_required: true } : {}),
        ...(approval?.status === undefined ? {} : { approval_status: approval.status }),
        ...(approval?.approvalUri === undefined ? {} : { approval_uri: approval.approvalUri }),
      },
    },
  };
}

/**
 * Refuses the adapters' removed `tools` option (a local tool → scope table): a server still passing
 * it (from JavaScript, or through a variable TypeScript does not check for excess properties) stops
 * at start-up instead of running with no check of its tool calls at all.
 * @throws TypeError when `opts` has `tools`.
 */
export function refuseToolsTable(opts: object, adapter: string): void {
  if (Object.hasOwn(opts, 'tools'))
    throw new TypeError(
      `${adapter}: the tools option (a local tool → scope table) was removed; tool calls are decided by Mandate's policy: pass { policy: createToolPolicy(…) }`,
    );
}

/**
 * Decides every `tools/call` in `message` with `policy`; `traceparent` is the HTTP request's
 * header, the trace context of the calls that carry none in `_meta`.
 * @returns undefined when the request may go on to the MCP server, else the JSON-RPC answer to
 *   send instead (HTTP 200, `application/json`): the refused calls as tool errors and, in a batch,
 *   every other request answered as not run.
 * @throws OAuthError 403 `insufficient_scope` (step-up) when more scopes would allow every refused
 *   call; 503 / 500 from {@link ToolPolicy.decide} when no decision could be had (fail closed).
 */
export async function enforceToolPolicy(
  policy: ToolPolicy,
  rs: Pick<ResourceServer, 'requireScopes'>,
  access: VerifiedAccess,
  message: unknown,
  signal?: AbortSignal,
  traceparent?: string,
): Promise<unknown> {
  const pending = toolCallsOf(message, traceparent);
  if (pending.length === 0) return undefined;
  const decisions = await Promise.all(pending.map((p) => policy.decide(access, p.call, signal)));
  const refused = decisions.flatMap((d, i) => (d.allow ? [] : [{ ...pending[i]!, decision: d }]));
  if (refused.length === 0) return undefined;
  if (refused.every((r) => r.decision.stepUpScopes !== undefined)) {
    const needed = new Set(refused.flatMap((r) => r.decision.stepUpScopes ?? []));
    rs.requireScopes(access, [...needed]); // throws the 403 unless the token has them all already
  }
  const answer = (r: (typeof refused)[number]) => ({
    jsonrpc: '2.0',
    id: r.id,
    result: refusedToolResult(r.decision),
  });
  if (!Array.isArray(message)) return answer(refused[0]!);
  const byId = new Map(refused.map((r) => [r.id, r]));
  return message
    .filter((m): m is Record<string, unknown> => isObject(m) && 'id' in m && typeof m.method === 'string')
    .map((m) => {
      const r = byId.get(idOf(m));
      return r !== undefined && m.method === 'tools/call'
        ? answer(r)
        : {
            jsonrpc: '2.0',
            id: idOf(m),
            error: { code: -32000, message: 'not run: another call in this batch was refused by policy' },
          };
    });
}

/**
 * What an adapter answers instead of passing `req` on: {@link enforceToolPolicy}'s answer on its
 * body, with its `traceparent` header, or undefined when the adapter has no policy.
 */
export async function policyAnswer(
  policy: ToolPolicy | undefined,
  rs: Pick<ResourceServer, 'requireScopes'>,
  access: VerifiedAccess,
  req: { body?: unknown; headers: Readonly<Record<string, string | string[] | undefined>> },
  signal: AbortSignal,
): Promise<unknown> {
  if (policy === undefined) return undefined;
  return enforceToolPolicy(policy, rs, access, req.body, signal, headerOf(req.headers.traceparent));
}

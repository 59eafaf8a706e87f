/**
 * A tool call Mandate's policy allows once a person approves it (AuthZEN `decision: false` with
 * `context.approval_required`, ADR 0014 "Tool calls"): the kit starts the approval at the
 * backchannel authentication endpoint (no resource or audience, `login_hint_token` = the user's
 * access token, one `mcp_tool_call` authorization detail), keeps the pending `auth_req_id` in
 * memory keyed by the user's token, the tool and its canonical arguments, and presents it in the
 * AuthZEN evaluation of the same call made again (`context.auth_req_id`). That evaluation is never
 * cached: an approval allows one call, and Mandate uses it up when it answers the allow.
 */
import { approvalPage, bindingMessageOf } from '../approval.js';
import { OAuthError } from '../errors.js';
import type { VerifiedAccess } from '../resource.js';
import { createFormPoster, type FormAnswer, type FormPoster } from '../token-endpoint.js';
import type { ToolCall, ToolDecision } from './authzen.js';

type Refusal = Extract<ToolDecision, { allow: false }>;

/** How this MCP server starts approvals at Mandate (its client, as for the exchange). */
export interface ToolApprovalOptions {
  /** The backchannel authentication endpoint (default `<issuer>/bc-authorize`). */
  backchannelAuthenticationEndpoint?: string;
  /** How the client authenticates there (default `client_secret_basic`, as registered). */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
}

/** A started approval the kit keeps until the call is made again. */
export interface PendingToolApproval {
  authReqId: string;
  approvalUri: string | undefined;
  bindingMessage: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** What the tool policy needs: its client, clock and transport. */
export interface ToolApprovalDeps {
  issuer: string;
  clientId: string;
  clientSecret: string;
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => number;
  maxEntries: number;
}

/** Evaluates the call with `context` added, never through the decision cache. */
export type Reevaluate = (context: Record<string, unknown>) => Promise<ToolDecision>;

/** The pending approvals of one tool policy, and how a call starts or presents one. */
export interface ToolApprovals {
  /**
   * The decision on a call with a pending approval (`undefined`: none is pending, decide as usual),
   * presented with its `auth_req_id`; approved → allow, pending → "still waiting", denied or
   * expired → said so and dropped; an approval Mandate no longer knows is dropped and, when the
   * policy still asks for one, started again.
   */
  resume(
    key: string,
    access: VerifiedAccess,
    call: ToolCall,
    evaluate: Reevaluate,
    signal?: AbortSignal,
  ): Promise<ToolDecision> | undefined;
  /** Starts the approval `refused` asks for; the refusal carrying its page, or why it could not start. */
  start(
    key: string,
    access: VerifiedAccess,
    call: ToolCall,
    refused: Refusal,
    signal?: AbortSignal,
  ): Promise<ToolDecision>;
  /** How many approvals are pending. */
  readonly size: number;
}

function withApproval(
  d: Refusal,
  p: PendingToolApproval,
  status: 'started' | 'pending' | 'denied' | 'expired',
): Refusal {
  return {
    ...d,
    approval: {
      bindingMessage: p.bindingMessage,
      status,
      ...(status === 'started' || status === 'pending' ? { approvalUri: p.approvalUri } : {}),
    },
  };
}

/** Mandate's answer to the start, as a pending approval or undefined (the refusal stands). */
function pendingOf(answer: FormAnswer, refused: Refusal, deps: ToolApprovalDeps, endpoint: string) {
  const { res, json } = answer;
  if (res.status === 401)
    throw new OAuthError('server_error', 'this server cannot start approvals (its client credentials)', {
      reason: 'policy_client_refused',
    });
  if (!res.ok || typeof json.auth_req_id !== 'string') return undefined;
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 0;
  const own = { backchannelEndpoint: endpoint, tokenEndpoint: `${deps.issuer}/token` };
  return {
    authReqId: json.auth_req_id,
    approvalUri: approvalPage(json.approval_uri, own),
    bindingMessage: bindingMessageOf(json, refused.approval?.bindingMessage ?? refused.message),
    expiresAt: deps.now() + expiresIn,
  };
}

/** One tool policy's approvals: where they start, and those pending. */
interface State {
  post: FormPoster;
  endpoint: string;
  deps: ToolApprovalDeps;
  pending: Map<string, PendingToolApproval>;
}

async function start(
  st: State,
  key: string,
  access: VerifiedAccess,
  call: ToolCall,
  refused: Refusal,
  signal?: AbortSignal,
): Promise<ToolDecision> {
  const detail = [{ type: 'mcp_tool_call', tool: call.name, arguments: call.arguments }];
  const body = () =>
    new URLSearchParams({ login_hint_token: access.token, authorization_details: JSON.stringify(detail) });
  let answer;
  try {
    answer = await st.post(st.endpoint, body, undefined, signal, call.traceparent);
  } catch (cause) {
    throw new OAuthError('temporarily_unavailable', 'the approval could not be started; try again', {
      headers: { 'Retry-After': '2' },
      reason: 'policy_unavailable',
      cause,
    });
  }
  const p = pendingOf(answer, refused, st.deps, st.endpoint);
  if (p === undefined) return refused;
  st.pending.delete(key);
  st.pending.set(key, p);
  if (st.pending.size > st.deps.maxEntries) st.pending.delete(st.pending.keys().next().value!);
  return withApproval(refused, p, 'started');
}

async function present(
  st: State,
  key: string,
  p: PendingToolApproval,
  call: { access: VerifiedAccess; call: ToolCall; evaluate: Reevaluate; signal: AbortSignal | undefined },
): Promise<ToolDecision> {
  const d = await call.evaluate({ auth_req_id: p.authReqId });
  if (d.allow) {
    st.pending.delete(key);
    return d;
  }
  const status = d.approval?.status;
  if (status === 'pending') return withApproval(d, p, 'pending');
  st.pending.delete(key);
  if (status === 'denied' || status === 'expired') return withApproval(d, p, status);
  // Unknown to Mandate (or used up): a new approval when the policy still asks for one.
  return d.approval === undefined ? d : start(st, key, call.access, call.call, d, call.signal);
}

/** A pending approval past its `expires_in`: not presented, said so. */
function expiredHere(p: PendingToolApproval): ToolDecision {
  const expired: Refusal = {
    allow: false,
    decisionId: undefined,
    codes: ['approval_expired'],
    message: 'the approval request expired',
    stepUpScopes: undefined,
  };
  return withApproval(expired, p, 'expired');
}

/** The approvals of one tool policy, in memory (oldest dropped past `maxEntries`). */
export function createToolApprovals(opts: ToolApprovalOptions, deps: ToolApprovalDeps): ToolApprovals {
  const issuer = deps.issuer.replace(/\/$/, '');
  const st: State = {
    post: createFormPoster({
      clientId: deps.clientId,
      clientSecret: deps.clientSecret,
      authMethod: opts.authMethod ?? 'client_secret_basic',
      fetch: deps.fetch,
      timeoutMs: deps.timeoutMs,
    }),
    endpoint: opts.backchannelAuthenticationEndpoint ?? `${issuer}/bc-authorize`,
    deps: { ...deps, issuer },
    pending: new Map(),
  };
  return {
    get size() {
      return st.pending.size;
    },
    start: (key, access, call, refused, signal) => start(st, key, access, call, refused, signal),
    resume(key, access, call, evaluate, signal) {
      const p = st.pending.get(key);
      if (p === undefined) return undefined;
      if (deps.now() < p.expiresAt) return present(st, key, p, { access, call, evaluate, signal });
      st.pending.delete(key);
      return Promise.resolve(expiredHere(p));
    },
  };
}

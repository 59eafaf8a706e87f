/**
 * An exchange Mandate's policy wants a person to approve (`interaction_required`, ADR 0014):
 * the same request goes to the backchannel authentication endpoint (OpenID CIBA Core 1.0 §7, poll
 * mode, `login_hint_token` = the user's access token), which answers `auth_req_id`, `expires_in`,
 * `interval`, the approval page (`approval_uri`) and the policy's `binding_message`; the MCP
 * client is shown the page (URL-mode elicitation, MCP 2025-11-25, or the link in a tool error); the
 * token endpoint is polled with the CIBA grant no sooner than `interval`, 5 s slower after each
 * `slow_down` (§11), until approved, denied or expired, never beyond `expires_in`, and abortable.
 */
import { randomUUID } from 'node:crypto';
import {
  ApprovalDeniedError,
  ApprovalExpiredError,
  ApprovalPendingError,
  type ApprovalErrorInit,
  type UrlElicitation,
} from './approval-errors.js';
import type { DpopKey } from './dpop/client.js';
import type { DownstreamToken } from './downstream-token.js';
import { answerError, downstreamToken, unreachable, type FormPoster } from './token-endpoint.js';
import { GrantType } from './token-types.js';

/** What the MCP client answered to the elicitation (MCP 2025-11-25 `ElicitResult.action`). */
export type ElicitAction = 'accept' | 'decline' | 'cancel';

/** How the MCP server shows the person the approval page, and how long the tool call may wait. */
export interface ApprovalOptions {
  /**
   * Sends `elicitation/create` with `mode: "url"` to the MCP client, when it declared URL-mode
   * elicitation (`supportsUrlElicitation`); e.g. `(p) => server.server.elicitInput(p)`. Without
   * it the call ends at once with an {@link ApprovalPendingError} carrying the link.
   */
  elicit?: (params: UrlElicitation) => Promise<{ action: ElicitAction | string }>;
  /** Tells the client the page's work is done (`notifications/elicitation/complete`). */
  notifyComplete?: (elicitationId: string) => Promise<void> | void;
  /** Stops the wait (the tool call was cancelled); the pending request is kept for a retry. */
  signal?: AbortSignal;
  /**
   * Longest this call waits for the person (seconds; default: until the request expires when
   * `elicit` is given, else none: the call ends with the link at once). Given without `elicit`, the
   * call waits that long for approvers told otherwise (Mandate's webhook). A call made again for a
   * pending request polls at least once.
   */
  maxWaitSeconds?: number;
  /** Told each step (for logs and demos): never a token or an `auth_req_id`. */
  onStep?: (step: ApprovalStep) => void;
}

/** One step of an approval, as `onStep` is told it. */
export type ApprovalStep =
  | { kind: 'approval_required'; description: string }
  | { kind: 'pending'; expiresIn: number; interval: number; approvalUri: string | undefined }
  | { kind: 'poll'; error: string };

/** Whether an MCP client's capabilities declare URL-mode elicitation (`elicitation: { url: {} }`). */
export function supportsUrlElicitation(capabilities: unknown): boolean {
  if (typeof capabilities !== 'object' || capabilities === null) return false;
  const e = (capabilities as { elicitation?: unknown }).elicitation;
  if (typeof e !== 'object' || e === null) return false;
  const url = (e as { url?: unknown }).url;
  return typeof url === 'object' && url !== null;
}

/** Where the approval is asked for, polled, and the clock it waits by (seconds, fractional). */
export interface ApprovalDeps {
  post: FormPoster;
  tokenEndpoint: string;
  backchannelEndpoint: string;
  /** Epoch seconds for token lifetimes. */
  now: () => number;
  /** Epoch seconds, fractional, for scheduling polls. */
  clock: () => number;
  sleep: (seconds: number, signal?: AbortSignal) => Promise<void>;
  fetch: typeof fetch;
}

/** The token the approval is for. */
export interface ApprovalTarget {
  service: string;
  resource: string;
  scopes: readonly string[];
  key: DpopKey | undefined;
  /** The trace context of the call that asked (well-formed), sent with the approval's requests. */
  traceparent?: string;
}

/** A started approval as the kit keeps it between polls (and between calls). */
export interface PendingApproval {
  authReqId: string;
  approvalUri: string | undefined;
  bindingMessage: string;
  elicitationId: string;
  target: ApprovalTarget;
  /** Clock seconds: when it expires, and the earliest next poll. */
  expiresAt: number;
  nextPollAt: number;
  interval: number;
  elicited: boolean;
  /** The poll in flight: calls waiting on the same request share it (no `slow_down` for the second). */
  inflight?: Promise<DownstreamToken | undefined>;
}

/**
 * The policy's binding message: Mandate's `binding_message` member of the §7.3 answer (ADR 0014);
 * from a server that sends none, the `interaction_required` description as it is.
 */
export function bindingMessageOf(answer: Record<string, unknown>, description: string): string {
  const m = answer.binding_message;
  return typeof m === 'string' && m !== '' ? m : description;
}

/**
 * Mandate's `approval_uri`, when it is an http(s) URL on Mandate's own origin (that of its
 * backchannel authentication or token endpoint): the kit shows the person no other link.
 */
export function approvalPage(
  uri: unknown,
  deps: Pick<ApprovalDeps, 'backchannelEndpoint' | 'tokenEndpoint'>,
) {
  if (typeof uri !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const own = [deps.backchannelEndpoint, deps.tokenEndpoint].map((e) => new URL(e).origin);
  return (url.protocol === 'https:' || url.protocol === 'http:') && own.includes(url.origin)
    ? url.href
    : undefined;
}

/** CIBA §7.1: the same request at the backchannel authentication endpoint; §7.3 its answer. */
export async function startApproval(
  deps: ApprovalDeps,
  exchangeParams: () => URLSearchParams,
  target: ApprovalTarget,
  description: string,
  signal?: AbortSignal,
): Promise<PendingApproval> {
  const about = { service: target.service, scopes: target.scopes, now: deps.now };
  const body = () => {
    const p = exchangeParams();
    const userToken = p.get('subject_token') ?? '';
    for (const k of ['grant_type', 'subject_token', 'subject_token_type']) p.delete(k);
    p.set('login_hint_token', userToken);
    return p;
  };
  let answer;
  try {
    answer = await deps.post(deps.backchannelEndpoint, body, target.key, signal, target.traceparent);
  } catch (cause) {
    signal?.throwIfAborted();
    throw unreachable(about, 'backchannel authentication endpoint', cause);
  }
  const { json } = answer;
  if (!answer.res.ok || typeof json.auth_req_id !== 'string')
    throw answerError(answer, about, 'backchannel authentication endpoint');
  const started = deps.clock();
  const interval = typeof json.interval === 'number' && json.interval > 0 ? json.interval : 5;
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 0;
  return {
    authReqId: json.auth_req_id,
    approvalUri: approvalPage(json.approval_uri, deps),
    bindingMessage: bindingMessageOf(json, description),
    elicitationId: randomUUID(),
    target,
    expiresAt: started + expiresIn,
    nextPollAt: started + interval,
    interval,
    elicited: false,
  };
}

function approvalInit(
  p: PendingApproval,
  error: string,
  description: string,
  status: number,
): ApprovalErrorInit {
  return {
    error,
    description,
    status,
    service: p.target.service,
    scopes: p.target.scopes,
    approvalUri: p.approvalUri,
    bindingMessage: p.bindingMessage,
    elicitationId: p.elicitationId,
  };
}

export const pendingError = (p: PendingApproval, description = 'no one has approved the request yet') =>
  new ApprovalPendingError(approvalInit(p, 'authorization_pending', description, 400));

const expiredError = (p: PendingApproval) =>
  new ApprovalExpiredError(approvalInit(p, 'expired_token', 'the approval request expired', 400));

/** One poll (CIBA §10.1): a token, or `undefined` while pending (the schedule updated). */
async function poll(
  deps: ApprovalDeps,
  p: PendingApproval,
  signal?: AbortSignal,
  onStep?: ApprovalOptions['onStep'],
): Promise<DownstreamToken | undefined> {
  const about = { service: p.target.service, scopes: p.target.scopes, now: deps.now };
  const body = () => new URLSearchParams({ grant_type: GrantType.ciba, auth_req_id: p.authReqId });
  let answer;
  try {
    answer = await deps.post(deps.tokenEndpoint, body, p.target.key, signal, p.target.traceparent);
  } catch (cause) {
    signal?.throwIfAborted();
    throw unreachable(about, 'token endpoint', cause);
  }
  if (answer.res.ok && typeof answer.json.access_token === 'string')
    return downstreamToken(answer, p.target, deps);
  const error = answer.json.error;
  const description = typeof answer.json.error_description === 'string' ? answer.json.error_description : '';
  onStep?.({ kind: 'poll', error: typeof error === 'string' ? error : `HTTP ${answer.res.status}` });
  if (error === 'slow_down') p.interval += 5; // §11: for this and every later poll
  if (error === 'slow_down' || error === 'authorization_pending') {
    p.nextPollAt = deps.clock() + p.interval;
    return undefined;
  }
  if (error === 'access_denied')
    throw new ApprovalDeniedError(approvalInit(p, 'access_denied', description, answer.res.status));
  if (error === 'expired_token') throw expiredError(p);
  throw answerError(answer, about, 'token endpoint');
}

/**
 * Polls until approved (the token), denied or expired (their errors), or, past `waitUntil` (clock
 * seconds), still pending ({@link ApprovalPendingError}); at least one poll is made.
 * @throws the signal's reason when aborted.
 */
export async function waitForApproval(
  deps: ApprovalDeps,
  p: PendingApproval,
  waitUntil: number,
  opts: Pick<ApprovalOptions, 'signal' | 'onStep'> = {},
): Promise<DownstreamToken> {
  const { signal, onStep } = opts;
  let polled = false;
  for (;;) {
    signal?.throwIfAborted();
    if (p.nextPollAt >= p.expiresAt) throw expiredError(p);
    if (polled && p.nextPollAt > waitUntil) throw pendingError(p);
    const wait = p.nextPollAt - deps.clock();
    if (wait > 0) await deps.sleep(wait, signal);
    // One poll at a time per request, shared by every call waiting on it (without the signal of
    // any one of them: one call's cancellation does not fail the others).
    p.inflight ??= poll(deps, p, undefined, onStep).finally(() => (p.inflight = undefined));
    const token = await p.inflight;
    polled = true;
    if (token !== undefined) return token;
  }
}

/** Resolves after `seconds`, or rejects with the signal's reason when it aborts first. */
export function sleep(seconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, seconds * 1000));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

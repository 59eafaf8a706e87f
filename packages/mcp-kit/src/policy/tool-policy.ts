/**
 * Tool calls decided by the security team's policy: for each call the kit asks Mandate's OpenID
 * AuthZEN access evaluation endpoint (AuthZEN 1.0 §6, §10), authenticated as this MCP server's
 * client, with the verified access token, its facts, the tool, its arguments and what the server
 * read about the object the call acts on. Mandate decides with the same Rego that decides tokens
 * and audits the decision with the token's `jti` (ADR 0012: online evaluation, not a local table).
 *
 * - Fail closed: no answer within `timeoutMs`, a network error, a 5xx or anything that is not a
 *   decision refuses the call (503 `temporarily_unavailable`); so does a PDP that refuses this
 *   server's credentials (500: the server is misconfigured, the user can do nothing about it).
 * - A short-lived cache keyed on everything that goes into the decision: the access token (so its
 *   subject, client, actor chain, scopes and `jti`), the tool, the arguments and the attributes,
 *   each in canonical JSON. Entries live `cacheSeconds` (default 5) and never past the token's
 *   expiry, which bounds how long a policy change takes to reach this server; concurrent
 *   identical calls share one request, which runs on its own deadline: a caller whose signal
 *   aborts is refused at once and the others still get the decision.
 */
import { createHash, randomUUID } from 'node:crypto';
import { OAuthError } from '../errors.js';
import type { VerifiedAccess } from '../resource.js';
import { createTokenCache, type TokenCache } from '../token-cache.js';
import { evaluationRequest, readDecision, type ToolCall, type ToolDecision } from './authzen.js';
import { createToolApprovals, type ToolApprovalOptions, type ToolApprovals } from './tool-approval.js';

/**
 * What the server read about the object a tool call acts on (an opportunity's owner and amount),
 * for the policy to decide on: sent as the AuthZEN resource's properties besides `arguments`.
 */
export type ToolAttributes = (
  call: ToolCall,
  access: VerifiedAccess,
  signal: AbortSignal,
) => Promise<Record<string, unknown>>;

/** Where Mandate's decision endpoint is, this server's credentials there, and how long to wait. */
export interface ToolPolicyOptions {
  /** Mandate's issuer identifier. */
  issuer: string;
  /** The access evaluation endpoint (default `<issuer>/access/v1/evaluation`, AuthZEN 1.0 §10). */
  endpoint?: string;
  /** This MCP server's client at Mandate; the secret is sent with HTTP Basic (RFC 6749 §2.3.1). */
  clientId: string;
  clientSecret: string;
  /** Attributes per tool name (see {@link ToolAttributes}); a tool without one sends none. */
  attributes?: Readonly<Record<string, ToolAttributes>>;
  /** Longest wait for a decision before the call is refused (default 2000 ms). */
  timeoutMs?: number;
  /** How long a decision is reused, in seconds (default 5; 0 asks every time). */
  cacheSeconds?: number;
  /** Most cached decisions (default 10000). */
  maxEntries?: number;
  /**
   * Given, a call the policy allows once a person approves it (`context.approval_required`) starts
   * that approval at Mandate's backchannel authentication endpoint and is answered with its page;
   * the same call made again presents it (tool-approval.ts). The client needs the CIBA grant at
   * Mandate. Without it, such a call is a tool error saying an approval is required.
   */
  approvals?: ToolApprovalOptions;
  /** Seconds since the epoch. */
  now?: () => number;
  fetch?: typeof fetch;
}

/** Asks the policy about tool calls. */
export interface ToolPolicy {
  /**
   * The policy's decision on `call` made with `access`; `signal` abandons this caller's wait only
   * (an evaluation shared with concurrent identical calls goes on for them).
   * @throws OAuthError 503 `temporarily_unavailable` when no decision could be had (fail closed)
   *   or `signal` aborted first,
   *   500 `server_error` when Mandate refuses this server's client credentials.
   */
  decide(access: VerifiedAccess, call: ToolCall, signal?: AbortSignal): Promise<ToolDecision>;
  /** How many evaluation requests were sent (cache hits and shared flights excluded). */
  readonly evaluations: number;
}

/** JSON with object members sorted, so that equal values give equal cache keys. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function unavailable(description: string, cause?: unknown): OAuthError {
  return new OAuthError('temporarily_unavailable', description, {
    headers: { 'Retry-After': '2' },
    reason: 'policy_unavailable',
    ...(cause === undefined ? {} : { cause }),
  });
}

const ABANDONED = 'the call was abandoned before the policy answered';

/**
 * `shared` as this caller sees it: its own abort refuses it at once, while the evaluation it
 * shares with concurrent identical calls goes on for them (its deadline is its own).
 */
function awaitOwn<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return shared;
  if (signal.aborted) return Promise.reject(unavailable(ABANDONED, signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(unavailable(ABANDONED, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Creates the policy client of one MCP server: AuthZEN access evaluation at Mandate with a
 * fail-closed timeout and a short-lived decision cache (AuthZEN 1.0 §6, §10).
 */
export function createToolPolicy(opts: ToolPolicyOptions): ToolPolicy {
  const client = policyClient(opts);
  return {
    get evaluations() {
      return client.evaluations;
    },
    decide: (access, call, signal) => decide(client, access, call, signal),
  };
}

/** One server's policy client: where and as whom it asks, its caches, and how often it asked. */
interface PolicyClient {
  endpoint: string;
  fetch: typeof fetch;
  /** Seconds since the epoch. */
  now: () => number;
  timeoutMs: number;
  cacheSeconds: number;
  cache: TokenCache<ToolDecision>;
  /** This server's client id and secret for HTTP Basic, encoded (RFC 6749 §2.3.1). */
  credentials: string;
  attributes: Readonly<Record<string, ToolAttributes>> | undefined;
  approvals: ToolApprovals | undefined;
  /** How many evaluation requests were sent. */
  evaluations: number;
}

function policyClient(opts: ToolPolicyOptions): PolicyClient {
  const endpoint = opts.endpoint ?? `${opts.issuer.replace(/\/$/, '')}/access/v1/evaluation`;
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const timeoutMs = opts.timeoutMs ?? 2000;
  const maxEntries = opts.maxEntries ?? 10_000;
  return {
    endpoint,
    fetch: doFetch,
    now,
    timeoutMs,
    cacheSeconds: opts.cacheSeconds ?? 5,
    cache: createTokenCache<ToolDecision>({ maxEntries, now }),
    // RFC 6749 §2.3.1: each part form-urlencoded before being joined.
    credentials: Buffer.from(
      `${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`,
    ).toString('base64'),
    attributes: opts.attributes,
    approvals:
      opts.approvals === undefined
        ? undefined
        : createToolApprovals(opts.approvals, {
            ...opts,
            fetch: doFetch,
            timeoutMs: Math.max(timeoutMs, 5000),
            now,
            maxEntries,
          }),
    evaluations: 0,
  };
}

/** The decision on one call: a pending approval presented, else the (cached) policy's, else one started. */
async function decide(
  client: PolicyClient,
  access: VerifiedAccess,
  call: ToolCall,
  signal: AbortSignal | undefined,
): Promise<ToolDecision> {
  const { approvals } = client;
  const attributes = await attributesOf(client.attributes, call, access, signal);
  const body = evaluationRequest(access, call, attributes);
  // A pending approval is presented outside the cache: its answer is this one call's.
  const key = approvalKey(access, call);
  const again = (context: Record<string, unknown>) =>
    ask(client, { ...body, context }, call.traceparent, signal);
  const resumed = approvals?.resume(key, access, call, again, signal);
  if (resumed !== undefined) return resumed;
  const decision = await cachedDecision(client, body, call, access, signal);
  if (approvals === undefined || decision.allow || decision.approval === undefined) return decision;
  return approvals.start(key, access, call, decision, signal);
}

/** What the tool's attributes function read for the policy (none without one); fails closed. */
async function attributesOf(
  attributes: Readonly<Record<string, ToolAttributes>> | undefined,
  call: ToolCall,
  access: VerifiedAccess,
  signal: AbortSignal | undefined,
) {
  const read = Object.hasOwn(attributes ?? {}, call.name) ? attributes?.[call.name] : undefined;
  if (read === undefined) return {};
  try {
    return await read(call, access, signal ?? new AbortController().signal);
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    // Without the facts there is nothing to decide on: fail closed, as for the policy itself.
    throw unavailable(`what tool ${call.name} acts on could not be read for the policy; try again`, err);
  }
}

/**
 * The policy's decision on `body`, shared by identical calls and reused for `cacheSeconds` but never
 * past the token's expiry; asked afresh when that leaves no time.
 */
function cachedDecision(
  client: PolicyClient,
  body: unknown,
  call: ToolCall,
  access: VerifiedAccess,
  signal?: AbortSignal,
) {
  const { now } = client;
  const lifetime = Math.min(client.cacheSeconds, access.expiresAt - now());
  if (lifetime <= 0) return ask(client, body, call.traceparent, signal);
  const key = createHash('sha256')
    .update(`${client.endpoint}\n${canonicalJson(body)}`)
    .digest('base64url');
  // Single flight: the first caller's signal must not cancel the others' decision.
  const shared = client.cache.get(key, async () => ({
    value: await ask(client, body, call.traceparent),
    refreshAt: now() + lifetime,
  }));
  return awaitOwn(shared, signal);
}

/** One evaluation request, its answer read. */
async function ask(
  client: PolicyClient,
  body: unknown,
  traceparent: string | undefined,
  signal?: AbortSignal,
) {
  return decisionOf(await post(client, body, traceparent, signal));
}

/**
 * Sends one evaluation request, counted in `client.evaluations`. `signal` only when the evaluation
 * is this caller's alone: a shared one runs on its own deadline.
 */
async function post(
  client: PolicyClient,
  body: unknown,
  traceparent: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const { endpoint, timeoutMs, credentials, fetch: doFetch } = client;
  client.evaluations++;
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    return await doFetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Basic ${credentials}`,
        'x-request-id': randomUUID(),
        ...(traceparent === undefined ? {} : { traceparent }),
      },
      body: JSON.stringify(body),
      signal: signal === undefined ? deadline : AbortSignal.any([deadline, signal]),
    });
  } catch (err) {
    throw unavailable(
      deadline.aborted
        ? `the policy did not answer within ${timeoutMs} ms; try again`
        : signal?.aborted === true
          ? ABANDONED
          : 'the policy cannot be reached; try again',
      err,
    );
  }
}

/** The decision Mandate answered: a refusal of this server's client is a 500, anything else a 503. */
async function decisionOf(res: Response): Promise<ToolDecision> {
  if (res.status === 401 || res.status === 403)
    throw new OAuthError('server_error', 'this server cannot ask the policy (its client credentials)', {
      reason: 'policy_client_refused',
    });
  if (res.status !== 200) throw unavailable(`the policy answered ${res.status}; try again`);
  try {
    return readDecision(await res.json());
  } catch (err) {
    throw unavailable('the policy did not answer with a decision; try again', err);
  }
}

/** Which pending approval a call would present: the user's token, the tool, its arguments. */
function approvalKey(access: VerifiedAccess, call: ToolCall): string {
  return createHash('sha256')
    .update(canonicalJson([access.token, call.name, call.arguments]))
    .digest('base64url');
}

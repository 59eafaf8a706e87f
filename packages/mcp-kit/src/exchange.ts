/**
 * The second hop for an MCP server: exchange the user's access token for a short-lived token for
 * one downstream service (RFC 8693 §2), authenticated as the MCP server (RFC 6749 §2.3.1,
 * `client_secret_basic` or `client_secret_post`), DPoP-bound where the service wants it (RFC 9449
 * §5, with the `use_dpop_nonce` retry of §8). Tokens are cached per user token, service and scopes
 * until shortly before they expire; concurrent identical requests share one exchange. A token for
 * one tool call (RFC 9396 `authorization_details`) is never cached; an exchange the policy wants a
 * person to approve waits for the approval (approval.ts, OpenID CIBA) and is never cached either.
 */
import { createHash } from 'node:crypto';
import {
  sleep,
  startApproval,
  waitForApproval,
  pendingError,
  type ApprovalDeps,
  type ApprovalOptions,
  type ApprovalTarget,
  type PendingApproval,
} from './approval.js';
import { ApprovalPendingError } from './approval-errors.js';
import { generateDpopKey, type DpopKey } from './dpop/client.js';
import { ExchangeError, ExchangeUnavailableError } from './exchange-errors.js';
import { createTokenCache } from './token-cache.js';
import { wellFormedTraceparent } from './trace-context.js';
import { answerError, createFormPoster, downstreamToken, unreachable } from './token-endpoint.js';
import { GrantType, TokenType } from './token-types.js';
import type { DownstreamService, DownstreamToken } from './downstream-token.js';

export type { DownstreamService, DownstreamToken } from './downstream-token.js';

/** Mandate's issuer, this MCP server's client credentials, and the downstream services it calls. */
export interface ExchangeClientOptions {
  /** Mandate's issuer identifier. */
  issuer: string;
  /** The token endpoint (default `<issuer>/token`). */
  tokenEndpoint?: string;
  /** The backchannel authentication endpoint, for approvals (default `<issuer>/bc-authorize`). */
  backchannelAuthenticationEndpoint?: string;
  /** The MCP server's client credentials, as registered with Mandate. */
  clientId: string;
  clientSecret: string;
  /** RFC 6749 §2.3.1 (default `client_secret_basic`). */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Downstream services by name; a name not listed is taken as a resource URL with Bearer tokens. */
  services?: Readonly<Record<string, DownstreamService>>;
  /** The DPoP key (default: generated on first use and kept for this client's life). */
  dpopKey?: DpopKey;
  /** Exchange again this many seconds before a cached token expires (default 30). */
  refreshBeforeSeconds?: number;
  /** Most cached tokens (default 1000). */
  maxEntries?: number;
  /** Seconds since the epoch. */
  now?: () => number;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** For tests: the clock approvals are polled by (epoch seconds, fractional) and how they wait. */
  clock?: () => number;
  sleep?: (seconds: number, signal?: AbortSignal) => Promise<void>;
}

/** The one tool call a token is for (RFC 9396 `authorization_details` of type `mcp_tool_call`). */
export interface ToolCallDetail {
  name: string;
  arguments?: Record<string, unknown>;
}

/** What one call of `getDownstreamToken` is for, and how it waits for an approval. */
export interface DownstreamTokenOptions {
  /** The tool call the token is for: the policy decides on it; the token is never cached. */
  toolCall?: ToolCallDetail;
  /** How the person is shown a pending approval and how long the call waits (approval.ts). */
  approval?: ApprovalOptions;
  /**
   * The W3C trace context of the call the token serves (its `_meta.traceparent`, else the HTTP
   * request's `traceparent` header), sent on to Mandate so that the exchange's span and audit
   * events join the agent's trace; dropped unless well-formed. A cached token is not re-fetched
   * for another trace.
   */
  traceparent?: string;
}

/** Obtains user-scoped tokens for downstream services by token exchange (RFC 8693 §2). */
export interface ExchangeClient {
  /**
   * A token for `service` with `scopes`, on behalf of the user whose access token is `userToken`,
   * for `options.toolCall` when given. When the policy wants a person to approve, the kit starts
   * the approval, shows it (`options.approval.elicit`) and waits for it; called again for the same
   * pending request, it resumes that approval.
   * @throws ExchangeDeniedError when Mandate refuses (its `description` is the policy's reason),
   *   ApprovalPendingError while no one has approved (its `explain()` has the approval link),
   *   ApprovalDeniedError / ApprovalExpiredError when the approval was denied / expired,
   *   ExchangeUnavailableError when Mandate cannot be reached, ExchangeError otherwise, and the
   *   signal's reason when `options.approval.signal` aborts.
   */
  getDownstreamToken(
    userToken: string,
    service: string,
    scopes: readonly string[],
    options?: DownstreamTokenOptions,
  ): Promise<DownstreamToken>;
  /** How many exchanges were sent to Mandate (cache hits and shared flights excluded). */
  readonly exchanges: number;
}

/** The policy wants a person to approve this exchange (`interaction_required`). */
class ApprovalNeeded extends Error {
  constructor(
    readonly description: string,
    readonly params: () => URLSearchParams,
    readonly target: ApprovalTarget,
  ) {
    super(description);
  }
}

interface Exchanger {
  deps: ApprovalDeps;
  services: Readonly<Record<string, DownstreamService>> | undefined;
  dpopKey: () => Promise<DpopKey>;
  counted: () => void;
}

/** One exchange at the token endpoint (RFC 8693 §2.1); `interaction_required` is ApprovalNeeded. */
async function exchangeOnce(
  x: Exchanger,
  ask: {
    userToken: string;
    service: string;
    scopes: readonly string[];
    toolCall?: ToolCallDetail;
    traceparent?: string;
  },
  signal?: AbortSignal,
): Promise<DownstreamToken> {
  const { service, scopes } = ask;
  const svc = x.services?.[service] ?? { resource: service };
  const key = svc.dpop === true ? await x.dpopKey() : undefined;
  const params = () =>
    new URLSearchParams({
      grant_type: GrantType.tokenExchange,
      subject_token: ask.userToken,
      subject_token_type: TokenType.accessToken,
      requested_token_type: TokenType.accessToken,
      resource: svc.resource,
      scope: scopes.join(' '),
      ...(ask.toolCall === undefined
        ? {}
        : {
            authorization_details: JSON.stringify([
              { type: 'mcp_tool_call', tool: ask.toolCall.name, arguments: ask.toolCall.arguments ?? {} },
            ]),
          }),
    });
  const about = { service, scopes, now: x.deps.now };
  const traceparent = wellFormedTraceparent(ask.traceparent);
  const target = { service, resource: svc.resource, scopes, key, ...(traceparent ? { traceparent } : {}) };
  x.counted();
  let answer;
  try {
    answer = await x.deps.post(x.deps.tokenEndpoint, params, key, signal, traceparent);
  } catch (cause) {
    signal?.throwIfAborted();
    throw unreachable(about, 'token endpoint', cause);
  }
  if (answer.res.ok && typeof answer.json.access_token === 'string')
    return downstreamToken(answer, target, x.deps);
  const err = answerError(answer, about, 'token endpoint');
  if (err.error === 'interaction_required') throw new ApprovalNeeded(err.description, params, target);
  throw err;
}

/** The pending approvals of one client, by request; expired ones are dropped as others come. */
function createPendingApprovals(maxEntries: number, clock: () => number) {
  const pending = new Map<string, PendingApproval>();
  return {
    get: (key: string) => pending.get(key),
    delete: (key: string) => pending.delete(key),
    set(key: string, p: PendingApproval) {
      const now = clock();
      for (const [k, e] of pending) if (e.expiresAt <= now) pending.delete(k);
      while (pending.size >= maxEntries) pending.delete(pending.keys().next().value as string);
      pending.set(key, p);
    },
  };
}

/** Shows a pending approval (once) and waits for it as the options say. */
async function awaitApproval(
  deps: ApprovalDeps,
  p: PendingApproval,
  opts: ApprovalOptions,
  first: boolean,
): Promise<DownstreamToken> {
  // No page to show (Mandate named none on its own origin): nothing to elicit.
  const elicit = p.approvalUri === undefined ? undefined : opts.elicit;
  if (elicit !== undefined && p.approvalUri !== undefined && !p.elicited) {
    p.elicited = true;
    const answer = await elicit({
      mode: 'url',
      message: `Approval required: ${p.bindingMessage}`,
      url: p.approvalUri,
      elicitationId: p.elicitationId,
    });
    if (answer.action !== 'accept') throw pendingError(p, 'the approval page was not opened');
  } else if (elicit === undefined && first && opts.maxWaitSeconds === undefined) throw pendingError(p);
  const waitUntil =
    opts.maxWaitSeconds !== undefined
      ? deps.clock() + opts.maxWaitSeconds
      : elicit !== undefined
        ? p.expiresAt
        : deps.clock();
  const token = await waitForApproval(deps, p, waitUntil, opts);
  try {
    await opts.notifyComplete?.(p.elicitationId);
  } catch {
    // The client's notification is a courtesy: the token is the answer.
  }
  return token;
}

type PendingApprovals = ReturnType<typeof createPendingApprovals>;

/** Waits for one pending approval; forgets it once it ended (approved, denied, expired, refused). */
async function approve(
  deps: ApprovalDeps,
  pending: PendingApprovals,
  key: string,
  p: PendingApproval,
  o: ApprovalOptions,
  first: boolean,
): Promise<DownstreamToken> {
  try {
    const token = await awaitApproval(deps, p, o, first);
    pending.delete(key);
    return token;
  } catch (err) {
    // Still pending, aborted or unreachable: a later call resumes it. Anything else ended it.
    const keep =
      err instanceof ApprovalPendingError ||
      err instanceof ExchangeUnavailableError ||
      !(err instanceof ExchangeError);
    if (!keep) pending.delete(key);
    throw err;
  }
}

/** A key for one user's request: a hash of the token, never the token itself. */
function requestKey(userToken: string, service: string, scopes: readonly string[], call?: ToolCallDetail) {
  const user = createHash('sha256').update(userToken).digest('base64url');
  return JSON.stringify([user, service, [...new Set(scopes)].sort(), call ?? null]);
}

/** One exchange client's parts: how it exchanges, its cache and its pending approvals. */
interface ClientState {
  x: Exchanger;
  cache: ReturnType<typeof createTokenCache<DownstreamToken>>;
  pending: PendingApprovals;
  /** Approvals being started, by request: identical calls at the same time start one. */
  starting: Map<string, Promise<PendingApproval>>;
  refreshBefore: number;
}

/** Resumes a pending approval, or exchanges (cached unless for a tool call), or starts an approval. */
async function getToken(
  c: ClientState,
  req: { userToken: string; service: string; scopes: readonly string[] },
  o: DownstreamTokenOptions,
): Promise<DownstreamToken> {
  const { deps } = c.x;
  const key = requestKey(req.userToken, req.service, req.scopes, o.toolCall);
  const waiting = c.pending.get(key);
  if (waiting !== undefined) return approve(deps, c.pending, key, waiting, o.approval ?? {}, false);
  const ask = {
    ...req,
    ...(o.toolCall === undefined ? {} : { toolCall: o.toolCall }),
    ...(o.traceparent === undefined ? {} : { traceparent: o.traceparent }),
  };
  try {
    if (o.toolCall !== undefined) return await exchangeOnce(c.x, ask, o.approval?.signal);
    // Only a token for no particular call is cached (and shared by identical requests).
    return await c.cache.get(key, async () => {
      const token = await exchangeOnce(c.x, ask);
      return { value: token, refreshAt: token.expiresAt - c.refreshBefore };
    });
  } catch (err) {
    if (!(err instanceof ApprovalNeeded)) throw err;
    return startOrJoin(c, key, err, o.approval ?? {});
  }
}

/**
 * Starts the approval an exchange needs, or joins the one an identical call started meanwhile
 * (then it is not shown again, and both wait on it).
 */
async function startOrJoin(
  c: ClientState,
  key: string,
  need: ApprovalNeeded,
  o: ApprovalOptions,
): Promise<DownstreamToken> {
  const { deps } = c.x;
  const joined = c.pending.get(key) ?? (await c.starting.get(key));
  if (joined !== undefined) return approve(deps, c.pending, key, joined, o, false);
  o.onStep?.({ kind: 'approval_required', description: need.description });
  const starting = startApproval(deps, need.params, need.target, need.description, o.signal);
  c.starting.set(key, starting);
  let started: PendingApproval;
  try {
    started = await starting;
  } finally {
    c.starting.delete(key);
  }
  c.pending.set(key, started);
  const { approvalUri, interval } = started;
  o.onStep?.({
    kind: 'pending',
    expiresIn: Math.round(started.expiresAt - deps.clock()),
    interval,
    approvalUri,
  });
  return approve(deps, c.pending, key, started, o, true);
}

/**
 * Creates an RFC 8693 token-exchange client: the user's access token is exchanged at Mandate for a
 * short-lived token for one downstream service and scope set, cached until shortly before it expires,
 * with concurrent identical requests sharing one exchange and typed refusals; an exchange that waits
 * for a person's approval is started at the backchannel authentication endpoint and polled.
 */
export function createExchangeClient(opts: ExchangeClientOptions): ExchangeClient {
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const deps: ApprovalDeps = {
    post: createFormPoster({
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      authMethod: opts.authMethod ?? 'client_secret_basic',
      fetch: opts.fetch ?? fetch,
      timeoutMs: opts.timeoutMs ?? 10_000,
    }),
    tokenEndpoint: opts.tokenEndpoint ?? `${opts.issuer}/token`,
    backchannelEndpoint: opts.backchannelAuthenticationEndpoint ?? `${opts.issuer}/bc-authorize`,
    now,
    clock: opts.clock ?? (() => Date.now() / 1000),
    sleep: opts.sleep ?? sleep,
    fetch: opts.fetch ?? fetch,
  };
  const maxEntries = opts.maxEntries ?? 1000;
  const cache = createTokenCache<DownstreamToken>({ maxEntries, now });
  const pending = createPendingApprovals(maxEntries, deps.clock);
  let keyPromise: Promise<DpopKey> | undefined =
    opts.dpopKey === undefined ? undefined : Promise.resolve(opts.dpopKey);
  let exchanges = 0;
  const x: Exchanger = {
    deps,
    services: opts.services,
    dpopKey: () => (keyPromise ??= generateDpopKey()),
    counted: () => void exchanges++,
  };
  const client: ClientState = {
    x,
    cache,
    pending,
    starting: new Map(),
    refreshBefore: opts.refreshBeforeSeconds ?? 30,
  };

  return {
    get exchanges() {
      return exchanges;
    },
    getDownstreamToken: (userToken, service, scopes, options = {}) =>
      getToken(client, { userToken, service, scopes }, options),
  };
}

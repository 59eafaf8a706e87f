/**
 * The connectors on the mint seam (tokens/mint.ts, ADR 0013): a token exchange the policy allowed
 * for a service with a connector is answered with the user's token from that service's own
 * authorization server, through the cache; every other token is Mandate's own (`fallback`). A
 * refusal downstream is `invalid_target` naming the downstream error; an outage is 503
 * `temporarily_unavailable` with `Retry-After`. Both carry the audit's `downstream` fact.
 */
import type { Logger } from '../../log.js';
import { OAuthError } from '../errors.js';
import { newTokenId } from '../tokens/mint-access-token.js';
import type { AllowedToken, Mint, MintedToken } from '../tokens/mint.js';
import { GrantType, TokenType } from '../tokens/token-types.js';
import { cacheKey, createConnectorTokenCache, type CachedToken, type ConnectorTokenCache } from './cache.js';
import {
  DownstreamRefusal,
  DownstreamUnavailable,
  type Connector,
  type DownstreamAsk,
  type DownstreamFact,
} from './downstream.js';
import { downstreamError } from './downstream-error.js';

/** How a connector-backed exchange ended: a fresh downstream token, a held one, or a failure. */
export type ConnectorOutcome = 'issued' | 'cached' | 'refused' | 'unavailable';

/** Told of every connector-backed exchange and every downstream call (metrics; a port, ADR 0013). */
export interface ConnectorObserver {
  request(service: string, kind: string, outcome: ConnectorOutcome): void;
  /** One call to the downstream token endpoint and how long it took (cache hits make none). */
  call(service: string, kind: string, seconds: number): void;
}

export interface ConnectorMintOptions {
  connectors: readonly Connector[];
  fallback: Mint;
  log: Logger;
  cache?: ConnectorTokenCache;
  observe?: ConnectorObserver;
}

const unobserved: ConnectorObserver = { request: () => {}, call: () => {} };

/** The connector answering an exchange for `aud` (its `resource` or one of its `audiences`). */
function byTarget(connectors: readonly Connector[]): Map<string, Connector> {
  const out = new Map<string, Connector>();
  for (const c of connectors)
    if (c.config.kind !== 'mandate')
      for (const id of [c.config.resource, ...c.config.audiences]) out.set(id, c);
  return out;
}

/** The subject token's claims an ID-JAG may carry on (draft-ietf-oauth-identity-assertion-authz-grant §3). */
function carriedClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ['auth_time', 'acr', 'amr', 'email'])
    if (claims[name] !== undefined) out[name] = claims[name];
  return out;
}

function failure(err: unknown, fact: DownstreamFact, retryAfter: number): Error {
  const service = fact.service;
  if (err instanceof DownstreamRefusal) {
    const said = err.errorDescription === undefined ? err.error : `${err.error}: ${err.errorDescription}`;
    return downstreamError(
      'invalid_target',
      `${service}'s authorization server refused the token (${said})`,
      {
        ...fact,
        error: err.error,
        ...(err.errorDescription === undefined ? {} : { error_description: err.errorDescription }),
      },
      { reason: 'downstream_refused' },
    );
  }
  if (err instanceof DownstreamUnavailable)
    return downstreamError(
      'temporarily_unavailable',
      `${service}'s authorization server is unavailable; try again shortly`,
      { ...fact, error: err.reason },
      { reason: err.reason, headers: { 'Retry-After': String(err.retryAfter ?? retryAfter) } },
    );
  return err as Error;
}

/** The connector's downstream call, timed for `observe`. */
function timedObtain(connector: Connector, ask: DownstreamAsk, observe: ConnectorObserver) {
  const started = performance.now();
  const { service, kind } = connector.config;
  return connector
    .obtain(ask)
    .finally(() => observe.call(service, kind, (performance.now() - started) / 1000));
}

async function obtain(
  connector: Connector,
  cache: ConnectorTokenCache,
  allowed: AllowedToken,
  opts: ConnectorMintOptions,
): Promise<MintedToken> {
  const observe = opts.observe ?? unobserved;
  try {
    const minted = await downstreamToken(connector, cache, allowed, opts.log, observe);
    observe.request(
      connector.config.service,
      connector.config.kind,
      minted.downstream?.cached ? 'cached' : 'issued',
    );
    return minted;
  } catch (err) {
    // A refusal is an OAuth error other than the outage's; anything else failed on Mandate's side.
    const refused = err instanceof OAuthError && err.error !== 'temporarily_unavailable';
    const outcome = refused ? 'refused' : 'unavailable';
    observe.request(connector.config.service, connector.config.kind, outcome);
    throw err;
  }
}

/**
 * What the connector asks its service for: the user as the policy mapped them
 * (`downstream_subject`, refused when missing) and the granted scopes; `fact` names the subject.
 */
function downstreamAsk(connector: Connector, allowed: AllowedToken, fact: DownstreamFact): DownstreamAsk {
  const { config } = connector;
  const { token: t, input, decision } = allowed;
  const subject = decision.obligations.downstream_subject;
  if (typeof subject !== 'string' || subject.length === 0)
    throw downstreamError('invalid_target', `no ${config.service} identity is mapped for ${t.sub}`, fact, {
      reason: 'downstream_subject_missing',
    });
  fact.subject = subject;
  if (decision.obligations.require_dpop === true)
    throw downstreamError(
      'invalid_target',
      `${config.service}'s tokens cannot be bound to a DPoP key`,
      fact,
      {
        reason: 'downstream_dpop_unsupported',
      },
    );
  return {
    subject,
    user: { iss: input.subject.iss, sub: t.sub },
    scopes: [...t.scopes].sort(),
    clientId: t.clientId,
    claims: carriedClaims(input.subject.claims),
    now: t.now,
  };
}

/** The exchange's answer: the downstream token, under the exchange's own facts (never recorded). */
function mintedOf(
  allowed: AllowedToken,
  ask: DownstreamAsk,
  got: CachedToken,
  fact: DownstreamFact,
): MintedToken {
  const { token: t } = allowed;
  const { token, exp, cached } = got;
  return {
    token: token.accessToken,
    tokenType: 'Bearer',
    jti: newTokenId(),
    sub: t.sub,
    aud: t.aud,
    scope: token.scope ?? ask.scopes.join(' '),
    iat: t.now,
    exp,
    ...(t.act === undefined ? {} : { act: t.act }),
    recorded: false,
    issuedTokenType: TokenType.accessToken,
    response: token.passThrough,
    downstream: { ...fact, cached },
  };
}

async function downstreamToken(
  connector: Connector,
  cache: ConnectorTokenCache,
  allowed: AllowedToken,
  log: Logger,
  observe: ConnectorObserver,
): Promise<MintedToken> {
  const { config } = connector;
  const fact: DownstreamFact = { service: config.service, kind: config.kind };
  const ask = downstreamAsk(connector, allowed, fact);
  const key = cacheKey(config.service, ask.user.iss, ask.user.sub, ask.subject, ask.scopes);
  try {
    const got = await cache.get(key, config.refresh_before_seconds, ask.now, () =>
      timedObtain(connector, ask, observe),
    );
    return mintedOf(allowed, ask, got, fact);
  } catch (err) {
    const e = failure(err, fact, config.retry_after_seconds);
    log.warn('downstream token refused', { service: config.service, kind: config.kind, error: e.message });
    throw e;
  }
}

/** A mint that answers connector-backed exchanges downstream and hands every other token to `fallback`. */
export function connectorMint(opts: ConnectorMintOptions): Mint {
  const targets = byTarget(opts.connectors);
  if (targets.size === 0) return opts.fallback;
  const cache = opts.cache ?? createConnectorTokenCache();
  return async (allowed) => {
    const connector =
      allowed.grantType === GrantType.tokenExchange ? targets.get(allowed.token.aud) : undefined;
    return connector === undefined ? opts.fallback(allowed) : obtain(connector, cache, allowed, opts);
  };
}

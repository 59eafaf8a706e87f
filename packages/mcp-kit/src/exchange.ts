/**
 * The second hop for an MCP server: exchange the user's access token for a short-lived token for
 * one downstream service (RFC 8693 §2), authenticated as the MCP server (RFC 6749 §2.3.1,
 * `client_secret_basic` or `client_secret_post`), DPoP-bound where the service wants it (RFC 9449
 * §5, with the `use_dpop_nonce` retry of §8). Tokens are cached per user token, service and scopes
 * until shortly before they expire; concurrent identical requests share one exchange.
 */
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { fetchWithDpop, generateDpopKey, type DpopKey } from './dpop/client.js';
import { exchangeErrorFor, ExchangeUnavailableError, retryAfterSeconds } from './exchange-errors.js';
import { parseScopes } from './scopes.js';
import { createTokenCache } from './token-cache.js';
import { GrantType, TokenType } from './token-types.js';

/** A downstream API a tool calls: its resource identifier and whether its tokens are DPoP-bound. */
export interface DownstreamService {
  /** The service's resource indicator (RFC 8707), e.g. `https://api.workday.example`. */
  resource: string;
  /** Ask for a DPoP-bound token (RFC 9449 §5); required when Mandate's policy says `require_dpop`. */
  dpop?: boolean;
}

/** Mandate's issuer, this MCP server's client credentials, and the downstream services it calls. */
export interface ExchangeClientOptions {
  /** Mandate's issuer identifier. */
  issuer: string;
  /** The token endpoint (default `<issuer>/token`). */
  tokenEndpoint?: string;
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
}

/** A token for one downstream service; never log `accessToken`, log `jti`. */
export interface DownstreamToken {
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  service: string;
  resource: string;
  /** Granted scopes (RFC 8693 §2.2.1: those requested when the response omits `scope`). */
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
  /** The token's `jti`, `sub` and `act`, for logs (decoded, not verified: it is not ours to verify). */
  jti: string | undefined;
  sub: string | undefined;
  act: unknown;
  /**
   * The response's members beyond RFC 8693 §2.2.1's: what a connector-backed service passes
   * through from its own authorization server (Salesforce's `instance_url` and `id`;
   * docs/connectors.md `pass_through`). Empty for a token Mandate minted.
   */
  extra: Readonly<Record<string, unknown>>;
  /** Calls the service with this token (`Authorization: Bearer` or `DPoP` with a fresh proof). */
  fetch(url: string, init?: RequestInit): Promise<Response>;
}

/** Obtains user-scoped tokens for downstream services by token exchange (RFC 8693 §2). */
export interface ExchangeClient {
  /**
   * A token for `service` with `scopes`, on behalf of the user whose access token is `userToken`.
   * @throws ExchangeDeniedError when Mandate refuses (its `description` is the policy's reason),
   *   ExchangeUnavailableError when Mandate cannot be reached, ExchangeError otherwise.
   */
  getDownstreamToken(userToken: string, service: string, scopes: readonly string[]): Promise<DownstreamToken>;
  /** How many exchanges were sent to Mandate (cache hits and shared flights excluded). */
  readonly exchanges: number;
}

/** The members RFC 8693 §2.2.1 defines (and `refresh_token`): everything else is `extra`. */
const STANDARD_MEMBERS = new Set([
  'access_token',
  'issued_token_type',
  'token_type',
  'expires_in',
  'scope',
  'refresh_token',
]);

interface TokenResponse {
  [member: string]: unknown;
  access_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
  scope?: unknown;
  error?: unknown;
  error_description?: unknown;
}

/**
 * Creates an RFC 8693 token-exchange client: the user's access token is exchanged at Mandate for a
 * short-lived token for one downstream service and scope set, cached until shortly before it expires,
 * with concurrent identical requests sharing one exchange and typed refusals.
 */
export function createExchangeClient(opts: ExchangeClientOptions): ExchangeClient {
  const tokenEndpoint = opts.tokenEndpoint ?? `${opts.issuer}/token`;
  const authMethod = opts.authMethod ?? 'client_secret_basic';
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const refreshBefore = opts.refreshBeforeSeconds ?? 30;
  const cache = createTokenCache<DownstreamToken>({ maxEntries: opts.maxEntries ?? 1000, now });
  let keyPromise: Promise<DpopKey> | undefined =
    opts.dpopKey === undefined ? undefined : Promise.resolve(opts.dpopKey);
  let exchanges = 0;

  const dpopKey = (): Promise<DpopKey> => (keyPromise ??= generateDpopKey());

  async function post(body: URLSearchParams, key: DpopKey | undefined): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (authMethod === 'client_secret_basic') {
      // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
      const id = encodeURIComponent(opts.clientId);
      const secret = encodeURIComponent(opts.clientSecret);
      headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    } else {
      body.set('client_id', opts.clientId);
      body.set('client_secret', opts.clientSecret);
    }
    if (key !== undefined) headers.dpop = await key.proof({ method: 'POST', url: tokenEndpoint });
    return doFetch(tokenEndpoint, {
      method: 'POST',
      headers,
      body: body.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  async function exchange(
    userToken: string,
    service: string,
    scopes: readonly string[],
  ): Promise<DownstreamToken> {
    const svc = opts.services?.[service] ?? { resource: service };
    const key = svc.dpop === true ? await dpopKey() : undefined;
    const body = () =>
      new URLSearchParams({
        grant_type: GrantType.tokenExchange,
        subject_token: userToken,
        subject_token_type: TokenType.accessToken,
        requested_token_type: TokenType.accessToken,
        resource: svc.resource,
        scope: scopes.join(' '),
      });
    const fail = (error: string, description: string, status: number) =>
      exchangeErrorFor({ error, description, status, service, scopes });

    exchanges++;
    let res: Response;
    let json: TokenResponse;
    try {
      res = await post(body(), key);
      json = (await res.json().catch(() => ({}))) as TokenResponse;
      // RFC 9449 §8: the server wants a nonce in the proof; retry once with the one it sent.
      const nonce = res.headers.get('dpop-nonce');
      if (key !== undefined && nonce !== null) key.rememberNonce(tokenEndpoint, nonce);
      if (key !== undefined && json.error === 'use_dpop_nonce' && nonce !== null) {
        res = await post(body(), key);
        json = (await res.json().catch(() => ({}))) as TokenResponse;
      }
    } catch (cause) {
      throw new ExchangeUnavailableError(
        {
          error: 'temporarily_unavailable',
          description: 'the token endpoint could not be reached',
          status: 0,
          service,
          scopes,
        },
        { cause },
      );
    }
    if (!res.ok || typeof json.access_token !== 'string') {
      const error =
        typeof json.error === 'string' ? json.error : res.ok ? 'invalid_response' : 'server_error';
      const description =
        typeof json.error_description === 'string'
          ? json.error_description
          : `HTTP ${res.status} from the token endpoint`;
      const retryAfter = retryAfterSeconds(res.headers.get('retry-after'), now());
      throw exchangeErrorFor({
        error,
        description,
        status: res.status,
        service,
        scopes,
        ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      });
    }
    const tokenType = String(json.token_type).toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    if (tokenType === 'DPoP' && key === undefined)
      throw fail('invalid_response', 'a DPoP token was issued without a proof', res.status);
    const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
    let claims: { jti?: unknown; sub?: unknown; act?: unknown } = {};
    try {
      claims = decodeJwt(json.access_token);
    } catch {
      // Opaque tokens are fine: the claims are for logs only.
    }
    const accessToken = json.access_token;
    return {
      accessToken,
      tokenType,
      service,
      resource: svc.resource,
      scopes: json.scope === undefined ? [...scopes] : parseScopes(json.scope),
      expiresAt: now() + expiresIn,
      jti: typeof claims.jti === 'string' ? claims.jti : undefined,
      sub: typeof claims.sub === 'string' ? claims.sub : undefined,
      act: claims.act,
      extra: Object.fromEntries(Object.entries(json).filter(([k]) => !STANDARD_MEMBERS.has(k))),
      fetch(url, init = {}) {
        if (tokenType === 'DPoP' && key !== undefined)
          return fetchWithDpop(key, accessToken, url, init, doFetch);
        const headers = new Headers(init.headers);
        headers.set('authorization', `Bearer ${accessToken}`);
        return doFetch(url, { ...init, headers });
      },
    };
  }

  return {
    get exchanges() {
      return exchanges;
    },
    getDownstreamToken(userToken, service, scopes) {
      const wanted = [...new Set(scopes)].sort();
      // Keyed by a hash of the user's token: one user's cached token never serves another's request.
      const user = createHash('sha256').update(userToken).digest('base64url');
      const cacheKey = JSON.stringify([user, service, wanted]);
      return cache.get(cacheKey, async () => {
        const token = await exchange(userToken, service, scopes);
        return { value: token, refreshAt: token.expiresAt - refreshBefore };
      });
    },
  };
}

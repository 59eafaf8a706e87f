/**
 * The protected-resource side of MCP authorization (spec 2025-11-25): one object per resource that
 * publishes its RFC 9728 metadata, verifies each request's access token (RFC 9068 §4, RFC 6750 §2.1
 * or RFC 9449 §7) and answers refusals with the exact challenges MCP clients act on:
 * - no token: 401 `WWW-Authenticate: Bearer resource_metadata="…", scope="…"` (RFC 9728 §5.1) and
 *   an empty JSON body: no error code (RFC 6750 §3.1);
 * - a bad token: the same with `error="invalid_token"` (RFC 6750 §3.1);
 * - too few scopes: 403 `error="insufficient_scope"` with the scopes to ask for (step-up).
 * Framework-free: adapters (express.ts, fastify.ts) translate requests and responses.
 */
import { createDpopVerifier, type DpopVerifier } from './dpop/proof-verifier.js';
import { OAuthError } from './errors.js';
import {
  createAccessTokenVerifier,
  TokenVerificationError,
  type AccessTokenClaims,
  type AccessTokenVerifier,
} from './access-token.js';
import { wwwAuthenticate, type ChallengeError } from './challenge.js';
import { externalRequestUrl, verifyDpopBoundRequest } from './dpop/bound-request.js';
import { createJwksClient, type JwksClient } from './jwks.js';
import {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  type ProtectedResourceMetadata,
} from './metadata.js';
import { createMemoryReplayStore, type ReplayStore } from './replay.js';
import { parseScopes } from './scopes.js';
import { inTestMode, isTestIssuer } from './test-mode.js';

/** One protected resource: its identifier, its authorization server, scopes and DPoP settings. */
export interface ResourceServerOptions {
  /** This resource's identifier; tokens must name it in `aud` (RFC 8707, RFC 9068 §4). */
  resource: string;
  /** The authorization server's issuer (Mandate's `MANDATE_ISSUER`). */
  issuer: string;
  /** The issuer's `jwks_uri` (default `<issuer>/jwks`, where Mandate publishes it). */
  jwksUri?: string;
  /** A JWKS client to share between resources of one process (default: one per resource). */
  jwks?: JwksClient;
  /** Scopes listed in the metadata (RFC 9728 §2). */
  scopesSupported?: readonly string[];
  /** Scopes every request needs; also the `scope` of the 401 challenge by default. */
  requiredScopes?: readonly string[];
  /**
   * What a 401 challenge tells clients to ask for at login (default `requiredScopes`), e.g. every
   * scope the server can use, leaving it to policy to grant what the user may have.
   */
  challengeScopes?: readonly string[];
  resourceName?: string;
  /** DPoP (RFC 9449 §7): bound tokens are always checked; `required` refuses unbound ones. */
  dpop?: { required?: boolean; replay?: ReplayStore; algorithms?: readonly string[] };
  /** Base URL clients use, for DPoP `htu` (default: the resource's origin). */
  publicBaseUrl?: string;
  /** Access-token algorithm allow-list (default `['ES256']`). */
  algorithms?: readonly string[];
  /** Tolerated clock difference in seconds (default 30, at most 300). */
  clockSkewSeconds?: number;
  /** Seconds since the epoch. */
  now?: () => number;
  fetch?: typeof fetch;
}

/** A request as the kit needs it: headers and the request target the server saw. */
export interface ResourceRequest {
  method: string;
  /** Origin-form request target, e.g. `/mcp?x=1` (RFC 9112 §3.2.1). */
  target: string;
  authorization?: string | undefined;
  /** Every `DPoP` header value received. */
  dpop?: string | readonly string[] | undefined;
}

/**
 * What a verified request carries. Shaped like the MCP SDK's `AuthInfo` (`token`, `clientId`,
 * `scopes`, `expiresAt`, `resource`), so adapters can hand it to the SDK's transport as `req.auth`.
 */
export interface VerifiedAccess {
  token: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
  resource: URL;
  sub: string;
  claims: AccessTokenClaims;
  scheme: 'Bearer' | 'DPoP';
  extra: { sub: string; jti: string; scheme: 'Bearer' | 'DPoP' };
}

/** A protected resource: its metadata, and request authentication with MCP's challenges. */
export interface ResourceServer {
  readonly resource: string;
  /** The RFC 9728 §2 document. */
  readonly metadata: ProtectedResourceMetadata;
  /** Its path on this server (RFC 9728 §3.1), e.g. `/.well-known/oauth-protected-resource/mcp`. */
  readonly metadataPath: string;
  /** Its absolute URL, as sent in `resource_metadata` (RFC 9728 §5.1). */
  readonly metadataUrl: string;
  /**
   * Verifies the request's token and its scopes (default: `requiredScopes`).
   * @throws OAuthError with status (401, 403, 400, 503) and `WWW-Authenticate` ready to send.
   */
  authenticate(req: ResourceRequest, scopes?: readonly string[]): Promise<VerifiedAccess>;
  /**
   * Checks that a verified request holds `scopes` (a tool's, say).
   * @throws OAuthError 403 `insufficient_scope` whose `scope` is what to ask for (step-up).
   */
  requireScopes(access: VerifiedAccess, scopes: readonly string[]): void;
}

const TOKEN68 = /^([A-Za-z]+) +([A-Za-z0-9\-._~+/]+=*) *$/;

/**
 * Creates the protected-resource side of MCP authorization for one resource: its RFC 9728 metadata,
 * token verification (RFC 9068 §4, RFC 6750 §2.1, RFC 9449 §7) and the 401/403 challenges MCP
 * clients act on (RFC 6750 §3, RFC 9728 §5.1, step-up with every scope needed).
 */
export function createResourceServer(opts: ResourceServerOptions): ResourceServer {
  // A test issuer (@mandate/mcp-kit/testing) left in a production configuration stops the server
  // here, rather than having it trust tokens anyone with the test code can mint.
  if (isTestIssuer(opts.issuer) && !inTestMode())
    throw new Error(
      `createResourceServer: ${opts.issuer} is a test issuer (.test, RFC 6761), trusted only with NODE_ENV=test`,
    );
  const { url: metadataUrl, path: metadataPath } = protectedResourceMetadataUrl(opts.resource);
  const dpopRequired = opts.dpop?.required === true;
  const dpop: DpopVerifier = createDpopVerifier({
    replay: opts.dpop?.replay ?? createMemoryReplayStore(opts.now === undefined ? {} : { now: opts.now }),
    ...(opts.dpop?.algorithms === undefined ? {} : { algorithms: opts.dpop.algorithms }),
  });
  const metadata = protectedResourceMetadata({
    resource: opts.resource,
    authorizationServers: [opts.issuer],
    ...(opts.scopesSupported === undefined ? {} : { scopesSupported: opts.scopesSupported }),
    ...(opts.resourceName === undefined ? {} : { resourceName: opts.resourceName }),
    dpopAlgorithms: dpop.algorithms,
    dpopRequired,
  });
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const jwks =
    opts.jwks ??
    createJwksClient({
      jwksUri: opts.jwksUri ?? `${opts.issuer}/jwks`,
      ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
    });
  const tokens: AccessTokenVerifier = createAccessTokenVerifier({
    issuer: opts.issuer,
    audience: opts.resource,
    jwks,
    ...(opts.algorithms === undefined ? {} : { algorithms: opts.algorithms }),
    ...(opts.clockSkewSeconds === undefined ? {} : { clockSkewSeconds: opts.clockSkewSeconds }),
    now,
  });
  const baseUrl = opts.publicBaseUrl ?? new URL(opts.resource).origin;
  const required = [...(opts.requiredScopes ?? [])];
  const loginScopes = (scopes: readonly string[]) => [
    ...new Set([...(opts.challengeScopes ?? []), ...scopes]),
  ];
  const scheme = dpopRequired ? 'DPoP' : 'Bearer';

  const refuse = (
    status: number,
    error: ChallengeError | undefined,
    description: string,
    scope: readonly string[],
    reason?: string,
  ): OAuthError =>
    new OAuthError(error ?? 'invalid_token', description, {
      status,
      // RFC 6750 §3.1: no credentials, no error information, on the wire or in the header.
      challengeOnly: error === undefined,
      ...(reason === undefined ? {} : { reason }),
      headers: {
        'WWW-Authenticate': wwwAuthenticate({
          scheme,
          resourceMetadata: metadataUrl,
          ...(error === undefined ? {} : { error, description }),
          ...(scope.length === 0 ? {} : { scope: scope.join(' ') }),
          ...(dpopRequired ? { algs: dpop.algorithms } : {}),
        }),
      },
    });

  function requireScopes(access: VerifiedAccess, scopes: readonly string[]): void {
    const missing = scopes.filter((s) => !access.scopes.includes(s));
    if (missing.length === 0) return;
    // MCP 2025-11-25 "Scope Challenge Handling": ask for what the token has plus what is missing,
    // so that a client replacing its scope with the challenge's keeps what it could already do.
    throw refuse(
      403,
      'insufficient_scope',
      `this request needs scope ${missing.join(' ')}`,
      [...access.scopes, ...missing],
      'insufficient_scope',
    );
  }

  return {
    resource: opts.resource,
    metadata,
    metadataPath,
    metadataUrl,
    requireScopes,
    async authenticate(req, scopes = required) {
      const authorization = req.authorization;
      // RFC 6750 §3.1: a request without credentials gets a challenge and no error code.
      if (authorization === undefined || authorization === '')
        throw refuse(401, undefined, 'authorization required', loginScopes(scopes), 'no_token');
      const presented = /^([A-Za-z]+)(?: |$)/.exec(authorization)?.[1]?.toLowerCase();
      // Another scheme (Basic, say) carries no access token: the same challenge as none at all.
      if (presented !== 'bearer' && presented !== 'dpop')
        throw refuse(401, undefined, 'authorization required', loginScopes(scopes), 'scheme');
      const match = TOKEN68.exec(authorization);
      if (match === null)
        throw refuse(401, 'invalid_token', 'access token is malformed', loginScopes(scopes), 'malformed');
      const token = match[2] as string;

      let claims: AccessTokenClaims;
      try {
        claims = await tokens.verify(token);
      } catch (err) {
        if (err instanceof TokenVerificationError && err.reason === 'jwks_unavailable')
          throw new OAuthError('temporarily_unavailable', 'token keys are unavailable, try again', {
            reason: err.reason,
            headers: { 'Retry-After': '5' },
            cause: err,
          });
        const e = err instanceof TokenVerificationError ? err : undefined;
        throw refuse(
          401,
          'invalid_token',
          e?.message ?? 'access token is invalid',
          loginScopes(scopes),
          e?.reason,
        );
      }

      const dpopHeaders =
        req.dpop === undefined ? [] : typeof req.dpop === 'string' ? [req.dpop] : [...req.dpop];
      const binding = await verifyDpopBoundRequest({
        authorization,
        dpopHeaders,
        method: req.method,
        url: externalRequestUrl(baseUrl, req.target),
        claims,
        accessToken: token,
        verifier: dpop,
        now: now(),
        requireDpop: dpopRequired,
        resourceMetadata: metadataUrl,
      });

      const access: VerifiedAccess = {
        token,
        clientId: claims.client_id,
        scopes: parseScopes(claims.scope),
        expiresAt: claims.exp,
        resource: new URL(opts.resource),
        sub: claims.sub,
        claims,
        scheme: binding.scheme,
        extra: { sub: claims.sub, jti: claims.jti, scheme: binding.scheme },
      };
      requireScopes(access, scopes);
      return access;
    },
  };
}

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
import type {
  ResourceRequest,
  ResourceServer,
  ResourceServerOptions,
  VerifiedAccess,
} from './resource-types.js';
import { wwwAuthenticate, type ChallengeError } from './challenge.js';
import { externalRequestUrl, verifyDpopBoundRequest } from './dpop/bound-request.js';
import { createJwksClient } from './jwks.js';
import { protectedResourceMetadata, protectedResourceMetadataUrl } from './metadata.js';
import { createMemoryReplayStore } from './replay.js';
import { parseScopes } from './scopes.js';
import { inTestMode, isTestIssuer } from './test-mode.js';

export type {
  ResourceRequest,
  ResourceServer,
  ResourceServerOptions,
  VerifiedAccess,
} from './resource-types.js';

const TOKEN68 = /^([A-Za-z]+) +([A-Za-z0-9\-._~+/]+=*) *$/;

/** What authenticating a request needs, built once per resource. */
interface Guard {
  resource: string;
  metadataUrl: string;
  dpop: DpopVerifier;
  dpopRequired: boolean;
  tokens: AccessTokenVerifier;
  now: () => number;
  /** Base URL clients use, for DPoP `htu`. */
  baseUrl: string;
  challengeScopes: readonly string[];
}

/** The guard: DPoP proofs with their replay store, and tokens verified against the issuer's keys. */
function guardOf(opts: ResourceServerOptions, metadataUrl: string): Guard {
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const jwks =
    opts.jwks ??
    createJwksClient({
      jwksUri: opts.jwksUri ?? `${opts.issuer}/jwks`,
      ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
    });
  return {
    resource: opts.resource,
    metadataUrl,
    dpop: createDpopVerifier({
      replay: opts.dpop?.replay ?? createMemoryReplayStore(opts.now === undefined ? {} : { now: opts.now }),
      ...(opts.dpop?.algorithms === undefined ? {} : { algorithms: opts.dpop.algorithms }),
    }),
    dpopRequired: opts.dpop?.required === true,
    tokens: createAccessTokenVerifier({
      issuer: opts.issuer,
      audience: opts.resource,
      jwks,
      ...(opts.algorithms === undefined ? {} : { algorithms: opts.algorithms }),
      ...(opts.clockSkewSeconds === undefined ? {} : { clockSkewSeconds: opts.clockSkewSeconds }),
      now,
    }),
    now,
    baseUrl: opts.publicBaseUrl ?? new URL(opts.resource).origin,
    challengeScopes: opts.challengeScopes ?? [],
  };
}

/** What a 401 tells the client to ask for: the challenge's scopes and the request's. */
function loginScopes(g: Guard, scopes: readonly string[]): string[] {
  return [...new Set([...g.challengeScopes, ...scopes])];
}

/** A refusal with its `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9728 §5.1, RFC 9449 §7.1). */
function refuse(
  g: Guard,
  status: number,
  error: ChallengeError | undefined,
  description: string,
  scope: readonly string[],
  reason?: string,
): OAuthError {
  return new OAuthError(error ?? 'invalid_token', description, {
    status,
    // RFC 6750 §3.1: no credentials, no error information, on the wire or in the header.
    challengeOnly: error === undefined,
    ...(reason === undefined ? {} : { reason }),
    headers: {
      'WWW-Authenticate': wwwAuthenticate({
        scheme: g.dpopRequired ? 'DPoP' : 'Bearer',
        resourceMetadata: g.metadataUrl,
        ...(error === undefined ? {} : { error, description }),
        ...(scope.length === 0 ? {} : { scope: scope.join(' ') }),
        ...(g.dpopRequired ? { algs: g.dpop.algorithms } : {}),
      }),
    },
  });
}

function requireScopesOf(g: Guard, access: VerifiedAccess, scopes: readonly string[]): void {
  const missing = scopes.filter((s) => !access.scopes.includes(s));
  if (missing.length === 0) return;
  // MCP 2025-11-25 "Scope Challenge Handling": ask for what the token has plus what is missing,
  // so that a client replacing its scope with the challenge's keeps what it could already do.
  throw refuse(
    g,
    403,
    'insufficient_scope',
    `this request needs scope ${missing.join(' ')}`,
    [...access.scopes, ...missing],
    'insufficient_scope',
  );
}

/** The access token of an `Authorization: Bearer|DPoP <token68>` header (RFC 6750 §2.1). */
function presentedToken(g: Guard, authorization: string | undefined, scopes: readonly string[]): string {
  // RFC 6750 §3.1: a request without credentials gets a challenge and no error code.
  if (authorization === undefined || authorization === '')
    throw refuse(g, 401, undefined, 'authorization required', loginScopes(g, scopes), 'no_token');
  const presented = /^([A-Za-z]+)(?: |$)/.exec(authorization)?.[1]?.toLowerCase();
  // Another scheme (Basic, say) carries no access token: the same challenge as none at all.
  if (presented !== 'bearer' && presented !== 'dpop')
    throw refuse(g, 401, undefined, 'authorization required', loginScopes(g, scopes), 'scheme');
  const match = TOKEN68.exec(authorization);
  if (match === null)
    throw refuse(g, 401, 'invalid_token', 'access token is malformed', loginScopes(g, scopes), 'malformed');
  return match[2] as string;
}

/** The token's claims (RFC 9068 §4); keys that cannot be fetched are a 503 to retry. */
async function verifiedClaims(
  g: Guard,
  token: string,
  scopes: readonly string[],
): Promise<AccessTokenClaims> {
  try {
    return await g.tokens.verify(token);
  } catch (err) {
    if (err instanceof TokenVerificationError && err.reason === 'jwks_unavailable')
      throw new OAuthError('temporarily_unavailable', 'token keys are unavailable, try again', {
        reason: err.reason,
        headers: { 'Retry-After': '5' },
        cause: err,
      });
    const e = err instanceof TokenVerificationError ? err : undefined;
    throw refuse(
      g,
      401,
      'invalid_token',
      e?.message ?? 'access token is invalid',
      loginScopes(g, scopes),
      e?.reason,
    );
  }
}

async function authenticateRequest(
  g: Guard,
  req: ResourceRequest,
  scopes: readonly string[],
): Promise<VerifiedAccess> {
  const authorization = req.authorization;
  const token = presentedToken(g, authorization, scopes);
  const claims = await verifiedClaims(g, token, scopes);
  const dpopHeaders = req.dpop === undefined ? [] : typeof req.dpop === 'string' ? [req.dpop] : [...req.dpop];
  const binding = await verifyDpopBoundRequest({
    authorization: authorization as string,
    dpopHeaders,
    method: req.method,
    url: externalRequestUrl(g.baseUrl, req.target),
    claims,
    accessToken: token,
    verifier: g.dpop,
    now: g.now(),
    requireDpop: g.dpopRequired,
    resourceMetadata: g.metadataUrl,
  });
  const access: VerifiedAccess = {
    token,
    clientId: claims.client_id,
    scopes: parseScopes(claims.scope),
    expiresAt: claims.exp,
    resource: new URL(g.resource),
    sub: claims.sub,
    claims,
    scheme: binding.scheme,
    extra: { sub: claims.sub, jti: claims.jti, scheme: binding.scheme },
  };
  requireScopesOf(g, access, scopes);
  return access;
}

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
  const g = guardOf(opts, metadataUrl);
  const metadata = protectedResourceMetadata({
    resource: opts.resource,
    authorizationServers: [opts.issuer],
    ...(opts.scopesSupported === undefined ? {} : { scopesSupported: opts.scopesSupported }),
    ...(opts.resourceName === undefined ? {} : { resourceName: opts.resourceName }),
    dpopAlgorithms: g.dpop.algorithms,
    dpopRequired: g.dpopRequired,
  });
  const required = [...(opts.requiredScopes ?? [])];
  return {
    resource: opts.resource,
    metadata,
    metadataPath,
    metadataUrl,
    requireScopes: (access, scopes) => requireScopesOf(g, access, scopes),
    authenticate: (req, scopes = required) => authenticateRequest(g, req, scopes),
  };
}

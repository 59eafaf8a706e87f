/**
 * The types of the protected-resource side (resource.ts): a resource's options, the request as the
 * kit reads it, what a verified request carries, and the resource server itself.
 */
import type { AccessTokenClaims } from './access-token.js';
import type { JwksClient } from './jwks.js';
import type { ProtectedResourceMetadata } from './metadata.js';
import type { ReplayStore } from './replay.js';

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

/**
 * What the exchange client hands out: the token for one downstream service, and how a service is
 * named (its resource indicator, and whether its tokens are DPoP-bound).
 */

/** A downstream API a tool calls: its resource identifier and whether its tokens are DPoP-bound. */
export interface DownstreamService {
  /** The service's resource indicator (RFC 8707), e.g. `https://api.workday.example`. */
  resource: string;
  /** Ask for a DPoP-bound token (RFC 9449 §5); required when Mandate's policy says `require_dpop`. */
  dpop?: boolean;
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

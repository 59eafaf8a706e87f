/**
 * The mint step: after the policy allows, the token is produced. Every grant reaches it through the
 * issuance helper (issuance/issue-token.ts), which hands the `Mint` in the context
 * (`OAuthContext.mint`) what the policy allowed and records what comes back. Mandate's own minting
 * (`mandateMint`: an RFC 9068 JWT access token signed with the service's key) is the one the
 * composition root puts there; another mint may take its place for some tokens (say, a connector
 * that obtains the user's token at a downstream service's own authorization server) and hand the
 * rest to Mandate's.
 */
import type { Decision, DecisionInput } from '../../policy/contract.js';
import type { DownstreamFact } from '../../audit/port.js';
import { mintAccessToken, type MintRequest, type Signer } from './mint-access-token.js';

/** A token as the policy allowed it, before it exists. */
export interface AllowedToken {
  /** The grant issuing it (`grant_type`, e.g. `urn:ietf:params:oauth:grant-type:token-exchange`). */
  grantType: string;
  /** What the policy decided on (subject, client, actor, target, requested scopes). */
  input: DecisionInput;
  /** What it answered: granted scopes, lifetime, obligations. */
  decision: Decision;
  /** The token Mandate would mint: subject, audience, client, granted scopes, lifetime, `act`, `cnf`. */
  token: MintRequest;
}

/** A produced token: what its issuance record, its audit event and the token response need. */
export interface MintedToken {
  /** The value the response carries as `access_token`. */
  token: string;
  /** The response's `token_type` (RFC 6749 §7.1, RFC 9449 §5, RFC 8693 §2.2.1 `N_A`). */
  tokenType: 'Bearer' | 'DPoP' | 'N_A';
  jti: string;
  sub: string;
  aud: string;
  scope: string;
  iat: number;
  /** Expiry (epoch seconds); the response's `expires_in` is `exp - iat`. */
  exp: number;
  act?: Record<string, unknown>;
  /** The DPoP key thumbprint the token is bound to (`cnf.jkt`, RFC 9449 §6). */
  jkt?: string;
  /** Whether it is written to `issued_tokens` (introspection and revocation know it). */
  recorded: boolean;
  /** RFC 8693 `issued_token_type` when the mint decides it (otherwise the grant's). */
  issuedTokenType?: string;
  /** Members the response carries beyond the standard ones (each documented by its mint). */
  response?: Record<string, unknown>;
  /** A token a connector obtained downstream (connectors/connector-mint.ts): what its audit event says. */
  downstream?: DownstreamFact;
}

/** The seam: produces the token the policy allowed, or throws an OAuthError refusing it. */
export type Mint = (allowed: AllowedToken) => Promise<MintedToken>;

/** Mandate's own minting: an RFC 9068 JWT access token signed with the service's key. */
export function mandateMint(signer: Signer): Mint {
  return async ({ token: request }) => {
    const { token, claims } = await mintAccessToken(signer, request);
    const jkt = claims.cnf?.jkt;
    return {
      token,
      tokenType: jkt === undefined ? 'Bearer' : 'DPoP',
      jti: claims.jti,
      sub: claims.sub,
      aud: claims.aud,
      scope: claims.scope,
      iat: claims.iat,
      exp: claims.exp,
      ...(claims.act === undefined ? {} : { act: claims.act }),
      ...(jkt === undefined ? {} : { jkt }),
      recorded: true,
    };
  };
}

/**
 * Stable internal reason codes for DPoP refusals. On the wire a refusal is `invalid_dpop_proof`,
 * `use_dpop_nonce` or `invalid_token` (RFC 9449 §7.1, §8, §9); the reason goes to logs and audit so
 * that operators can tell a clock problem from a replay from a forged proof.
 */
import { OAuthError } from '../errors.js';

/** Every reason code the DPoP verifier and the resource-side check can produce, with its meaning. */
export const DPOP_REASONS = {
  missing_proof: 'no DPoP header was sent (RFC 9449 §4.3 check 1)',
  multiple_headers: 'more than one DPoP header was sent (§4.3 check 1)',
  not_jws: 'the header value is not one compact JWS, e.g. a JWE or a joined list (§4.3 check 2)',
  malformed_header: 'the JOSE header is not a JSON object (§4.3 check 2)',
  malformed_payload: 'the JWT payload is not a JSON object (§4.3 check 2)',
  typ_invalid: 'typ is not exactly dpop+jwt (§4.3 check 4)',
  alg_not_allowed: 'alg is none, symmetric or not in the allow-list (§4.3 check 5)',
  crit_unsupported: 'the header lists critical extensions we do not understand (RFC 7515 §4.1.11)',
  jwk_missing: 'the header has no jwk object (§4.2)',
  jwk_private: 'the jwk contains private key members (§4.3 check 7)',
  jwk_alg_mismatch: 'the jwk key type or curve cannot be used with alg (§4.3 check 5)',
  jwk_invalid: 'the jwk cannot be imported as a public key, or is too weak',
  signature_invalid: 'the signature does not verify with the jwk (§4.3 check 6)',
  claim_missing: 'jti, htm, htu or iat is absent (§4.3 check 3)',
  claim_invalid: 'a claim has the wrong type or an unreasonable length (§4.2)',
  htm_mismatch: 'htm differs from the request method (§4.3 check 8)',
  htu_invalid: 'htu is not an absolute http(s) URL (§4.3 check 9)',
  htu_mismatch: 'htu differs from the request URL after normalization (§4.3 check 9)',
  iat_too_old: 'iat is older than the acceptance window (§4.3 check 11)',
  iat_in_future: 'iat is further in the future than the allowed clock skew (§4.3 check 11)',
  ath_missing: 'a proof sent with an access token has no ath (§4.3 check 12, §7)',
  ath_mismatch: 'ath is not the hash of the presented access token (§4.3 check 12, §7)',
  nonce_missing: 'a nonce is required and the proof has none (§8, §9)',
  nonce_invalid: 'the proof nonce is unknown or expired (§8, §9)',
  replayed: 'the same jti was already used by this key for this method and URL (§11.1)',
  replay_store_unavailable: 'the shared replay store could not be reached; the proof is refused',
  jkt_mismatch: 'the proof key is not the key the access token is bound to (§4.3 check 12, §7)',
  bearer_downgrade: 'a DPoP-bound access token was presented with the Bearer scheme (§7.2)',
  token_not_bound: 'the DPoP scheme was used with an access token that has no cnf.jkt (§7.1)',
  dpop_required: 'this resource only accepts DPoP-bound access tokens (§7.1)',
  scheme_unsupported: 'the Authorization header is missing or uses another scheme (RFC 9110 §11.6.2)',
} as const;

/** Why a DPoP proof or a DPoP-bound request was refused: a key of {@link DPOP_REASONS}. */
export type DpopReason = keyof typeof DPOP_REASONS;

/** The `invalid_dpop_proof` refusal for `reason` (400 at the token endpoint, RFC 9449 §5). */
export function invalidProof(reason: DpopReason, description: string, cause?: unknown): OAuthError {
  return new OAuthError('invalid_dpop_proof', description, { reason, cause });
}

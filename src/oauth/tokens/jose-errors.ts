/**
 * Turns jose's error codes into precise internal reasons and readable descriptions. A key set that
 * cannot be fetched is an upstream outage, not a bad token: callers answer it with
 * `temporarily_unavailable` (RFC 6749 §4.1.2.1) rather than blaming the client.
 */
import { errors } from 'jose';
import type { JwtFailure } from '../refusals.js';

/** A jose failure as Mandate reports it: the reason (refusals.ts), the description, and whether it is an outage. */
export interface JoseFailure {
  reason: JwtFailure;
  description: string;
  outage: boolean;
}

/** jose's error `code` as a reason: `ERR_JWS_INVALID` is `err_jws_invalid`. */
function joseCode(code: string): JwtFailure {
  const lower = code.toLowerCase();
  return lower.startsWith('err_') ? (lower as `err_${string}`) : `err_${lower}`;
}

/** What jose's `err` means for the token called `what`. */
export function describeJoseError(err: unknown, what: string): JoseFailure {
  if (err instanceof errors.JWTExpired)
    return { reason: 'expired', description: `${what} has expired`, outage: false };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf')
      return { reason: 'not_yet_valid', description: `${what} is not yet valid`, outage: false };
    // jose's `reason` is an internal code (check_failed, missing, invalid): say it in words.
    const problem =
      err.reason === 'missing'
        ? 'is missing'
        : err.reason === 'invalid'
          ? 'is malformed'
          : 'has an unexpected value';
    return {
      reason: `claim_${err.claim}`,
      description: `${what} ${err.claim} claim ${problem}`,
      outage: false,
    };
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return { reason: 'bad_signature', description: `${what} signature verification failed`, outage: false };
  if (err instanceof errors.JOSEAlgNotAllowed)
    return {
      reason: 'alg_not_allowed',
      description: `${what} is signed with an algorithm that is not allowed`,
      outage: false,
    };
  if (err instanceof errors.JWKSNoMatchingKey)
    return { reason: 'no_matching_key', description: `no key of the issuer matches ${what}`, outage: false };
  if (err instanceof errors.JWKSTimeout)
    return {
      reason: 'jwks_timeout',
      description: `the key set for ${what} could not be fetched in time`,
      outage: true,
    };
  if (err instanceof errors.JOSEError)
    return {
      reason: joseCode(err.code),
      description: `${what} is malformed or unsupported`,
      outage: false,
    };
  return {
    reason: 'jwks_unreachable',
    description: `the key set for ${what} could not be fetched`,
    outage: true,
  };
}

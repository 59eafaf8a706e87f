/**
 * Verification of JWT access tokens at a resource server (RFC 9068 §4): signature with a key of the
 * issuer's JWKS and an algorithm from an allow-list, header `typ: at+jwt`, `iss` equal to the
 * authorization server, `aud` naming this resource exactly, `exp`/`nbf`/`iat` with bounded clock
 * skew, and the registered claims present. Failures carry a precise reason for logs and a generic
 * description for the wire.
 */
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { JwksError, type JwksClient } from './jwks.js';

/** Claims of a Mandate access token (RFC 9068 §2.2, RFC 8693 §4.1 `act`, RFC 9449 §6 `cnf`). */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  act?: Record<string, unknown>;
  cnf?: { jkt?: string };
  auth_time?: number;
  [claim: string]: unknown;
}

/** Why an access token was refused (the `reason` of a {@link TokenVerificationError}). */
export type TokenFailure =
  | 'malformed'
  | 'typ'
  | 'alg'
  | 'signature'
  | 'unknown_key'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'iat_future'
  | 'missing_claim'
  | 'jwks_unavailable';

/** A token that cannot be accepted; `reason` is precise, `message` is safe to send. */
export class TokenVerificationError extends Error {
  readonly reason: TokenFailure;
  constructor(reason: TokenFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenVerificationError';
    this.reason = reason;
  }
}

/** What an access token must satisfy: its issuer, audience, key set and lifetime rules (RFC 9068 §4). */
export interface AccessTokenVerifierOptions {
  /** The authorization server's issuer identifier, compared byte for byte (RFC 8414 §3.3). */
  issuer: string;
  /** This resource's identifier: `aud` must name it (RFC 9068 §4 step 4, RFC 8707). */
  audience: string;
  jwks: JwksClient;
  /** Accepted `alg` values, asymmetric only (default `['ES256']`, what Mandate signs with). */
  algorithms?: readonly string[];
  /** Tolerated clock difference in seconds, at most 300 (default 30). */
  clockSkewSeconds?: number;
  /** Seconds since the epoch (default the system clock). */
  now?: () => number;
}

/** Verifies JWT access tokens for one resource (RFC 9068 §4). */
export interface AccessTokenVerifier {
  /** @throws TokenVerificationError */
  verify(token: string): Promise<AccessTokenClaims>;
}

const ASYMMETRIC = /^(ES(256|384|512)|PS(256|384|512)|RS(256|384|512)|EdDSA|Ed25519)$/;
const REQUIRED = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const;
const MAX_SKEW = 300;

/**
 * Creates a verifier of RFC 9068 JWT access tokens: signature against the issuer's JWKS with an
 * asymmetric algorithm allow-list, `typ: at+jwt`, `iss`, `aud` = the resource exactly, and lifetime
 * with bounded clock skew.
 */
export function createAccessTokenVerifier(opts: AccessTokenVerifierOptions): AccessTokenVerifier {
  const algorithms = [...(opts.algorithms ?? ['ES256'])];
  // RFC 8725 §3.1, §3.2: never `none`, never an HMAC (a public key must not become a MAC secret).
  for (const alg of algorithms)
    if (!ASYMMETRIC.test(alg)) throw new TypeError(`algorithm ${alg} is not allowed`);
  const skew = opts.clockSkewSeconds ?? 30;
  if (!(skew >= 0 && skew <= MAX_SKEW)) throw new TypeError(`clockSkewSeconds must be within 0..${MAX_SKEW}`);
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));

  return {
    async verify(token) {
      if (token.split('.').length !== 3)
        throw new TokenVerificationError('malformed', 'access token is not a JWS');
      const at = now();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, (header) => opts.jwks.getKey(header), {
          algorithms,
          issuer: opts.issuer,
          audience: opts.audience,
          typ: 'at+jwt',
          requiredClaims: [...REQUIRED],
          clockTolerance: skew,
          currentDate: new Date(at * 1000),
        }));
      } catch (err) {
        throw describe(err);
      }
      // jose bounds `exp` and `nbf`; RFC 9068 §4 also refuses tokens issued in the future.
      if (typeof payload.iat === 'number' && payload.iat > at + skew)
        throw new TokenVerificationError('iat_future', 'access token is issued in the future');
      if (
        typeof payload.client_id !== 'string' ||
        typeof payload.jti !== 'string' ||
        typeof payload.sub !== 'string'
      )
        throw new TokenVerificationError('missing_claim', 'access token lacks a registered claim');
      return payload as AccessTokenClaims;
    },
  };
}

function describe(err: unknown): TokenVerificationError {
  const fail = (reason: TokenFailure, message: string) =>
    new TokenVerificationError(reason, message, { cause: err });
  if (err instanceof TokenVerificationError) return err;
  if (err instanceof JwksError)
    return err.code === 'unavailable'
      ? fail('jwks_unavailable', 'the signing keys could not be fetched')
      : fail('unknown_key', 'access token is signed with an unknown key');
  if (err instanceof errors.JWTExpired) return fail('expired', 'access token is expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return fail('issuer', 'access token is from another issuer');
      case 'aud':
        return fail('audience', 'access token is not for this resource');
      case 'nbf':
        return fail('not_yet_valid', 'access token is not yet valid');
      case 'typ':
        return fail('typ', 'token is not an access token (typ at+jwt)');
      default:
        return fail('missing_claim', `access token claim ${err.claim} is missing or invalid`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return fail('alg', 'access token algorithm is not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return fail('signature', 'access token signature is invalid');
  return fail('malformed', 'access token is malformed');
}

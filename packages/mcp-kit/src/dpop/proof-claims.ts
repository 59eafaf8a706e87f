/**
 * The claims of a DPoP proof (RFC 9449 §4.2): presence and types of `jti`, `htm`, `htu`, `iat`
 * (§4.3 check 3), and the `ath` access-token hash checked at resource servers (§4.3 check 12).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { invalidProof } from './reasons.js';

/** Bounds what a client can make us store and hash; UUIDs and 96-bit random values fit easily. */
const MAX_JTI_LENGTH = 256;

export interface ProofClaims {
  jti: string;
  htm: string;
  htu: string;
  iat: number;
}

export function proofClaims(payload: Record<string, unknown>): ProofClaims {
  for (const name of ['jti', 'htm', 'htu', 'iat'] as const) {
    if (payload[name] === undefined) {
      throw invalidProof('claim_missing', `DPoP proof is missing the ${name} claim`);
    }
  }
  const { jti, htm, htu, iat } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw invalidProof(
      'claim_invalid',
      `DPoP proof jti must be a string of 1 to ${MAX_JTI_LENGTH} characters`,
    );
  }
  if (typeof htm !== 'string') throw invalidProof('claim_invalid', 'DPoP proof htm must be a string');
  if (typeof htu !== 'string') throw invalidProof('claim_invalid', 'DPoP proof htu must be a string');
  // NumericDate (RFC 7519 §2) may have a fraction; anything else is not a time.
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw invalidProof('claim_invalid', 'DPoP proof iat must be a number');
  }
  return { jti, htm, htu, iat };
}

/** RFC 9449 §4.2: `ath` is the base64url SHA-256 of the ASCII access token. */
export function checkAth(ath: unknown, accessToken: string): void {
  if (ath === undefined) throw invalidProof('ath_missing', 'DPoP proof is missing the ath claim');
  const expected = createHash('sha256').update(accessToken, 'ascii').digest();
  const given = typeof ath === 'string' ? Buffer.from(ath, 'base64url') : Buffer.alloc(0);
  if (
    typeof ath !== 'string' ||
    given.length !== expected.length ||
    given.toString('base64url') !== ath ||
    !timingSafeEqual(given, expected)
  ) {
    throw invalidProof('ath_mismatch', 'DPoP proof ath does not match the access token');
  }
}

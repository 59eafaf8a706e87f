/**
 * The proof's `jwk` header (RFC 9449 §4.2): checked to be a public key usable with the proof's
 * `alg`, reduced to its RFC 7638 §3.2 required members, imported once and cached together with its
 * thumbprint (RFC 7638 §3, the `jkt` of RFC 9449 §6) so that repeat proofs from one client skip both.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { AlgorithmSpec } from '../jws-algorithms.js';
import { createLru } from './lru.js';
import { invalidProof } from './reasons.js';

/** Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** RFC 7638 §3.2: the required members of each key type, in lexicographic order. */
const REQUIRED_MEMBERS = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
} as const;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Weaker RSA keys are refused (RFC 7518 §3.3 requires at least 2048 bits). */
const MIN_RSA_BITS = 2048;

export interface PublicJwk {
  /** The required members only, as a JWK. */
  jwk: JWK;
  /** RFC 7638 §3.3 input: the required members, sorted, serialized without whitespace. */
  canonical: string;
}

/**
 * Checks that `value` is a public JWK whose key type and curve fit `alg` (RFC 9449 §4.3 checks 5 and
 * 7) and returns its canonical form. Throws `invalid_dpop_proof` otherwise.
 */
export function publicJwkFor(value: unknown, alg: string, spec: AlgorithmSpec): PublicJwk {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidProof('jwk_missing', 'DPoP proof header has no jwk object');
  }
  const jwk = value as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
    throw invalidProof('jwk_private', 'DPoP proof jwk must not contain private key members');
  }
  if (jwk.kty !== spec.kty || (spec.crv !== undefined && jwk.crv !== spec.crv)) {
    throw invalidProof('jwk_alg_mismatch', `DPoP proof jwk cannot be used with alg ${alg}`);
  }
  // A key that declares its own algorithm must not be used with another one (RFC 7517 §4.4).
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw invalidProof('jwk_alg_mismatch', `DPoP proof jwk cannot be used with alg ${alg}`);
  }
  const members: Record<string, string> = {};
  for (const name of REQUIRED_MEMBERS[spec.kty]) {
    const member = jwk[name];
    if (typeof member !== 'string' || (name !== 'kty' && name !== 'crv' && !BASE64URL.test(member))) {
      throw invalidProof('jwk_invalid', `DPoP proof jwk member ${name} is missing or malformed`);
    }
    members[name] = member;
  }
  return { jwk: members as JWK, canonical: JSON.stringify(members) };
}

export interface ImportedKey {
  key: KeyObject;
  /** base64url SHA-256 JWK thumbprint (RFC 7638 §3.1), the `cnf.jkt` of RFC 9449 §6.1. */
  jkt: string;
}

export interface KeyCache {
  /** The imported key and thumbprint for `jwk`; imports and caches it on first sight. */
  get(jwk: PublicJwk): ImportedKey;
  readonly size: number;
}

/** A bounded LRU of imported keys keyed by canonical JWK; `max` bounds memory under key churn. */
export function createKeyCache(max = 1000): KeyCache {
  const entries = createLru<ImportedKey>(max);
  return {
    get size() {
      return entries.size;
    },
    get(jwk) {
      return entries.get(jwk.canonical) ?? entries.set(jwk.canonical, importKey(jwk));
    },
  };
}

function importKey(jwk: PublicJwk): ImportedKey {
  let key: KeyObject;
  try {
    // OpenSSL refuses EC points that are not on the curve, so invalid-curve keys fail here.
    key = createPublicKey({ key: jwk.jwk as JsonWebKey, format: 'jwk' });
  } catch (cause) {
    throw invalidProof('jwk_invalid', 'DPoP proof jwk is not a valid public key', cause);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType === 'rsa' && (bits === undefined || bits < MIN_RSA_BITS)) {
    throw invalidProof('jwk_invalid', `DPoP proof RSA key must be at least ${MIN_RSA_BITS} bits`);
  }
  return { key, jkt: createHash('sha256').update(jwk.canonical).digest('base64url') };
}

/**
 * The proof's JOSE header (RFC 9449 §4.2; §4.3 checks 4, 5 and 7; RFC 7515 §4.1.11): `typ`, an
 * allowed asymmetric `alg`, no `crit`, a public `jwk` that fits `alg`.
 *
 * A client signs every proof with the same key and so sends the same header, byte for byte, each
 * time. The checks depend on nothing but those bytes and the verifier's allow-list, so their result
 * is remembered per encoded header segment (what the signature covers): a repeat header is neither
 * decoded nor checked again (bench/dpop.ts). Only headers that pass are remembered, a refused one is
 * checked anew every time; entries and their length are bounded, since clients choose them.
 */
import { ALGORITHMS } from '../jws-algorithms.js';
import type { AlgorithmSpec } from '../jws-algorithms.js';
import { createLru } from './lru.js';
import { publicJwkFor } from './proof-jwk.js';
import type { PublicJwk } from './proof-jwk.js';
import { invalidProof } from './reasons.js';

/** A header segment longer than this is checked every time (a 4096-bit RSA jwk is ~1,000). */
const MAX_REMEMBERED_LENGTH = 2048;

/** A header that passed the checks: its algorithm and its public key's required members. */
export interface CheckedHeader {
  spec: AlgorithmSpec;
  jwk: PublicJwk;
}

/**
 * Checks a decoded proof header: `typ: dpop+jwt`, `alg` in `algorithms`, no `crit`, a public `jwk`
 * usable with `alg`. Throws `invalid_dpop_proof` with the first check's reason that fails.
 */
export function checkHeader(header: Record<string, unknown>, algorithms: readonly string[]): CheckedHeader {
  if (header.typ !== 'dpop+jwt') throw invalidProof('typ_invalid', 'DPoP proof typ must be dpop+jwt');
  const alg = header.alg;
  const spec = typeof alg === 'string' && algorithms.includes(alg) ? ALGORITHMS[alg] : undefined;
  if (spec === undefined) {
    // Echoed only when it looks like an algorithm name: descriptions end up in headers.
    const named = typeof alg === 'string' && /^[\w.+-]{1,32}$/.test(alg);
    throw invalidProof(
      'alg_not_allowed',
      named ? `DPoP proof alg ${alg} is not allowed` : 'DPoP proof alg is not allowed',
    );
  }
  if (header.crit !== undefined) {
    throw invalidProof('crit_unsupported', 'DPoP proof header has unsupported critical extensions');
  }
  return { spec, jwk: publicJwkFor(header.jwk, alg as string, spec) };
}

/** Checked headers by their encoded segment, for one verifier (one allow-list). */
export interface HeaderCache {
  /** The checked header of `segment` if it passed before, or undefined. */
  get(segment: string): CheckedHeader | undefined;
  /** Remembers that `segment` passed as `checked` (unless it is too long); returns `checked`. */
  set(segment: string, checked: CheckedHeader): CheckedHeader;
  readonly size: number;
}

/** A bounded LRU of checked headers; `max` bounds memory under key churn. */
export function createHeaderCache(max = 1000): HeaderCache {
  const entries = createLru<CheckedHeader>(max);
  return {
    get size() {
      return entries.size;
    },
    get: (segment) => entries.get(segment),
    set: (segment, checked) =>
      segment.length > MAX_REMEMBERED_LENGTH ? checked : entries.set(segment, checked),
  };
}

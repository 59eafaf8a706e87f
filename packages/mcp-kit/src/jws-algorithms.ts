/**
 * The asymmetric JWS algorithms Mandate verifies (RFC 7518 §3; never `none`, never a MAC, so a public
 * key can never serve as an HMAC secret) and what each needs from the key and from node:crypto.
 * DPoP proofs (RFC 9449 §4.2), client assertions (RFC 7523) and subject tokens all draw on this table.
 */
import { constants } from 'node:crypto';

/** What one JWS algorithm needs from a key (`kty`, curve) and from node:crypto (digest, encoding). */
export interface AlgorithmSpec {
  kty: 'EC' | 'RSA' | 'OKP';
  /** Required curve for EC and OKP keys. */
  crv?: string;
  /** Digest for node:crypto `verify`; null for EdDSA, which hashes internally. */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** ECDSA signatures are R || S of fixed length (RFC 7518 §3.4). */
  signatureBytes?: number;
  /** RSASSA-PSS uses a salt as long as the digest (RFC 7518 §3.5). */
  pss?: boolean;
}

/** The asymmetric JWS algorithms (RFC 7518 §3.3-§3.5, RFC 8037 §3.1) by name, with their key needs. */
export const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  ES256: { kty: 'EC', crv: 'P-256', hash: 'sha256', signatureBytes: 64 },
  ES384: { kty: 'EC', crv: 'P-384', hash: 'sha384', signatureBytes: 96 },
  ES512: { kty: 'EC', crv: 'P-521', hash: 'sha512', signatureBytes: 132 },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true },
  PS384: { kty: 'RSA', hash: 'sha384', pss: true },
  PS512: { kty: 'RSA', hash: 'sha512', pss: true },
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', hash: null },
};

/** Every algorithm above: the allow-list wherever nothing narrower is configured. */
export const ASYMMETRIC_ALGORITHMS = Object.keys(ALGORITHMS) as [string, ...string[]];

/** The default allow-list, also what `dpop_signing_alg_values_supported` should advertise. */
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'EdDSA',
];

const SALT_LENGTH = { sha256: 32, sha384: 48, sha512: 64 } as const;

/** The options node:crypto `verify` needs for `spec`, besides the key itself. */
export function verifyOptions(spec: AlgorithmSpec): {
  dsaEncoding?: 'ieee-p1363';
  padding?: number;
  saltLength?: number;
} {
  if (spec.kty === 'EC') return { dsaEncoding: 'ieee-p1363' };
  if (spec.pss && spec.hash !== null) {
    return { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: SALT_LENGTH[spec.hash] };
  }
  return {};
}

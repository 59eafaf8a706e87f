/**
 * Compact JWS signing (RFC 7515 §7.1) with node:crypto for the hot path: every issued token is signed
 * here. jose signs through WebCrypto, whose per-call job and promise overhead measured several times
 * the signature itself on ES256 (bench/README.md); node:crypto signs synchronously with the cached
 * KeyObject. Verification stays with jose except where bench/ shows it matters.
 */
import { sign, type KeyObject } from 'node:crypto';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs with ES256 (ECDSA P-256, SHA-256; the JWS signature is r‖s, RFC 7518 §3.4). */
export function signEs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
): string {
  const input = `${b64({ ...header, alg: 'ES256' })}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * Signs with RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3): the downstream connectors'
 * assertions (connectors/assertion.ts), since Salesforce accepts nothing else.
 */
export function signRs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject,
): string {
  const input = `${b64({ ...header, alg: 'RS256' })}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/**
 * Opaque single-purpose secrets (authorization codes, refresh tokens): 256 random bits, stored only
 * as base64url(SHA-256), so the database never holds a usable value (RFC 6749 §10.5, RFC 9700
 * §4.14). A fast hash suffices: the values are high-entropy, not passwords.
 */
import { createHash, randomBytes } from 'node:crypto';

export function newOpaqueValue(): string {
  return randomBytes(32).toString('base64url');
}

export function opaqueHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

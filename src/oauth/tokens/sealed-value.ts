/**
 * Authenticated encryption of small JSON values (cookies, form fields, stored responses):
 * AES-256-GCM under a key derived with HKDF (RFC 5869) for one purpose, with the purpose as
 * additional data and an expiry inside, so a value sealed for one use neither opens for another nor
 * outlives its lifetime. Format: base64url(iv ‖ ciphertext ‖ tag).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV = 12;
const TAG = 16;

/** A 32-byte key for `purpose`, derived from a master secret (the KEK, or a token). */
export function deriveKey(secret: Uint8Array | string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'mandate', purpose, 32));
}

export function seal(key: Buffer, purpose: string, value: unknown, exp: number): string {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(JSON.stringify({ exp, v: value }), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The sealed value, or undefined when it was altered, sealed for another purpose, or expired. */
export function unseal<T>(key: Buffer, purpose: string, sealed: string, now: number): T | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < IV + TAG) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(raw.subarray(raw.length - TAG));
    const text = Buffer.concat([decipher.update(raw.subarray(IV, raw.length - TAG)), decipher.final()]);
    const { exp, v } = JSON.parse(text.toString('utf8')) as { exp: number; v: T };
    return exp > now ? v : undefined;
  } catch {
    return undefined;
  }
}

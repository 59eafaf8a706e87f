/**
 * Stateless DPoP nonces (RFC 9449 §8, §9). A nonce is an HMAC over the current time step, so every
 * instance holding the same secret issues and accepts the same nonces without a shared store. A
 * nonce is accepted during the step it was issued in and the next one, i.e. for between one and two
 * steps.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Issues and checks server-provided DPoP nonces (RFC 9449 §8, §9). */
export interface NonceService {
  /** A nonce for the time step containing `now` (seconds since the epoch). */
  issue(now: number): string;
  /** True when `nonce` was issued in the current or the previous time step. */
  check(nonce: string, now: number): boolean;
}

/** The shared secret and time step of a {@link NonceService}. */
export interface NonceServiceOptions {
  /** HMAC key shared by every instance; at least 32 bytes. */
  secret: Uint8Array;
  /** Length of one time step in seconds (default 60). */
  stepSeconds?: number;
}

const MIN_SECRET_BYTES = 32;

/**
 * Creates stateless DPoP nonces (RFC 9449 §8): an HMAC over the time step, so that every instance
 * holding `secret` agrees without a shared store.
 * @throws TypeError for a secret shorter than 32 bytes or a step that is not a positive integer.
 */
export function createNonceService(opts: NonceServiceOptions): NonceService {
  const stepSeconds = opts.stepSeconds ?? 60;
  if (!Number.isInteger(stepSeconds) || stepSeconds <= 0) {
    throw new TypeError('stepSeconds must be a positive integer');
  }
  if (opts.secret.byteLength < MIN_SECRET_BYTES) {
    throw new TypeError(`the DPoP nonce secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  // Copied so that a caller reusing its buffer cannot change the key under us.
  const secret = Buffer.from(opts.secret);

  const mac = (step: number): Buffer =>
    // The label separates these MACs from any other use of the same secret.
    createHmac('sha256', secret).update(`mandate/dpop-nonce/v1:${step}`).digest();

  const stepOf = (now: number): number => Math.floor(now / stepSeconds);

  return {
    issue(now) {
      return mac(stepOf(now)).toString('base64url');
    },
    check(nonce, now) {
      // base64url only uses NQCHARs (RFC 9449 §8.1); a 32-byte MAC is always 43 characters.
      if (nonce.length !== 43) return false;
      const given = Buffer.from(nonce, 'base64url');
      if (given.length !== 32 || given.toString('base64url') !== nonce) return false;
      const step = stepOf(now);
      // Both comparisons always run, so timing does not reveal which step matched.
      const current = timingSafeEqual(given, mac(step));
      const previous = timingSafeEqual(given, mac(step - 1));
      return current || previous;
    },
  };
}

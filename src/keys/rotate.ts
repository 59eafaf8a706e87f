/**
 * Signing-key rotation with overlap (standards.md, JWT access tokens; RFC 7517 §5 JWKS). In one
 * transaction under the signing-keys lock:
 *   active → retired, published until now + maxTokenTtl + skew, when every token it signed is gone;
 *   next → active: it has been in the JWKS since the previous rotation, so verifiers already have it;
 *   a new next key, published from now on for the following rotation;
 *   retired keys past their expiry are deleted.
 * The skew covers clock differences and instances that keep signing with the old key until their
 * next refresh (keystore.ts, 30 s by default), so it must exceed the refresh interval.
 */
import type { Db } from '../store/db.js';
import {
  activateSigningKey,
  deleteExpiredSigningKeys,
  insertSigningKey,
  listSigningKeys,
  retireSigningKey,
} from '../store/signing-keys.js';
import { ensureSigningKeys, generateSigningKey } from './generate.js';
import { open } from './kek.js';

export interface RotateOptions {
  db: Db;
  kek: Buffer;
  maxTokenTtlSeconds: number;
  /** Extra time the retired key stays published (default 60 s, twice the keystore refresh). */
  skewSeconds?: number;
  /** Clock in epoch seconds. */
  now?: () => number;
  /**
   * Refuse when the next key was created less than this many seconds ago (default 0): verifiers
   * that cache the JWKS may not have it yet. The CLI sets it; `--force` lifts it.
   */
  minNextAgeSeconds?: number;
}

export interface RotateResult {
  activated: string;
  retired: string;
  next: string;
  removed: string[];
}

export async function rotateKeys(opts: RotateOptions): Promise<RotateResult> {
  const now = (opts.now ?? (() => Math.floor(Date.now() / 1000)))();
  const skew = opts.skewSeconds ?? 60;
  if (!(opts.maxTokenTtlSeconds > 0))
    throw new Error('maxTokenTtlSeconds must be a positive number of seconds');
  return opts.db.tx(async (q) => {
    // Takes the lock, and creates the first pair on a database no service has started on yet.
    await ensureSigningKeys(q, opts.kek, now);
    const keys = await listSigningKeys(q);
    const active = keys.find((k) => k.state === 'active')!;
    const next = keys.find((k) => k.state === 'next')!;
    const age = now - next.createdAt;
    if (age < (opts.minNextAgeSeconds ?? 0)) {
      throw new Error(
        `next key ${next.kid} was published ${age} s ago; verifiers may not have fetched it yet ` +
          `(wait ${opts.minNextAgeSeconds} s after the previous rotation, or force it)`,
      );
    }
    // It is about to sign: make sure this KEK opens it before anything changes.
    open(opts.kek, next.kid, next.privateEnc);

    await retireSigningKey(q, active.kid, now, now + opts.maxTokenTtlSeconds + skew);
    await activateSigningKey(q, next.kid, now);
    const fresh = await generateSigningKey(opts.kek, 'next', now);
    await insertSigningKey(q, fresh);
    const removed = await deleteExpiredSigningKeys(q, now);
    return { activated: next.kid, retired: active.kid, next: fresh.kid, removed };
  });
}

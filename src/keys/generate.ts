/**
 * Creation of Mandate's ES256 signing keys. The kid is the key's RFC 7638 thumbprint, so it is
 * unique and says nothing but which key it is.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Queryable } from '../store/db.js';
import {
  insertSigningKey,
  listSigningKeys,
  lockSigningKeys,
  type SigningKeyRow,
  type SigningKeyState,
} from '../store/signing-keys.js';
import { seal } from './kek.js';

export const SIGNING_ALG = 'ES256';

/** The public JWK as published (RFC 7517 §4): no private member, ever. */
export function publicJwkOf(jwk: JWK, kid: string): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: SIGNING_ALG, use: 'sig' };
}

export async function generateSigningKey(
  kek: Buffer,
  state: SigningKeyState,
  now: number,
): Promise<SigningKeyRow> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }, 'sha256');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    kid,
    alg: SIGNING_ALG,
    publicJwk: publicJwkOf(jwk, kid),
    privateEnc: seal(kek, kid, der),
    state,
    createdAt: now,
    activatedAt: state === 'active' ? now : null,
    retiredAt: null,
    expiresAt: null,
  };
}

/**
 * Makes sure there is an active key and a next key, creating what is missing. Call inside a
 * transaction: the advisory lock makes instances starting together create one pair, not several.
 * Returns the kids created.
 */
export async function ensureSigningKeys(q: Queryable, kek: Buffer, now: number): Promise<string[]> {
  await lockSigningKeys(q);
  const keys = await listSigningKeys(q);
  const created: string[] = [];
  for (const state of ['active', 'next'] as const) {
    if (keys.some((k) => k.state === state)) continue;
    const k = await generateSigningKey(kek, state, now);
    await insertSigningKey(q, k);
    created.push(k.kid);
  }
  return created;
}

/**
 * Proof-building helpers for the DPoP tests. Proofs are signed with jose, an implementation
 * independent of the node:crypto verifier under test, so a shared encoding mistake cannot hide.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import type { ReplayStore } from '../../src/replay.js';

/** The frozen clock of the table-driven tests (seconds since the epoch). */
export const NOW = 1_764_140_000;
export const TOKEN_URL = 'https://as.example.com/token';

export interface ProofKey {
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function proofKey(alg = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, publicJwk: await exportJWK(publicKey) };
}

export interface ProofOptions {
  key: ProofKey;
  /** Merged over `{ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk }`; `undefined` deletes. */
  header?: Record<string, unknown>;
  /** Merged over `{ jti, htm: 'POST', htu: TOKEN_URL, iat: NOW }`; `undefined` deletes. */
  payload?: Record<string, unknown>;
  /** Signs with this key instead of `key.privateKey` (the header still names `key`). */
  signWith?: CryptoKey | Uint8Array;
}

export async function makeProof(opts: ProofOptions): Promise<string> {
  const header = withoutUndefined({
    typ: 'dpop+jwt',
    alg: opts.key.alg,
    jwk: opts.key.publicJwk,
    ...opts.header,
  });
  const payload = withoutUndefined({
    jti: randomUUID(),
    htm: 'POST',
    htu: TOKEN_URL,
    iat: NOW,
    ...opts.payload,
  });
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(opts.signWith ?? opts.key.privateKey);
}

/** A compact JWS with arbitrary header, payload and signature, for proofs jose refuses to sign. */
export function rawJws(header: unknown, payload: unknown, signature = ''): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

export function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}

/**
 * An in-memory ReplayStore with the Postgres store's semantics, judged by an explicit clock, for
 * unit tests; the cross-instance test uses the real Postgres store.
 */
export function memoryReplayStore(clock: () => number = () => NOW): ReplayStore & {
  records: Map<string, number>;
} {
  const records = new Map<string, number>();
  return {
    records,
    async remember(namespace, key, expiresAt) {
      const id = `${namespace}\u0000${key}`;
      const existing = records.get(id);
      if (existing !== undefined && existing >= clock()) return false;
      records.set(id, expiresAt);
      return true;
    },
    async purgeExpired(now) {
      let removed = 0;
      for (const [id, expiresAt] of records) {
        if (expiresAt < now) {
          records.delete(id);
          removed += 1;
        }
      }
      return removed;
    },
  };
}

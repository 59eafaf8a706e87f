/**
 * The `signing_keys` table, as keys/ uses it: Mandate's own ES256 keys with their lifecycle state
 * (`next` → `active` → `retired`, RFC 9068 §4 / standards.md "JWKS rotation") and sealed private
 * parts. Every function takes a `Queryable` so that rotation runs in one transaction.
 */
import type { JWK } from 'jose';
import type { Queryable } from './db.js';
import { lockSql } from './locks.js';

export type SigningKeyState = 'next' | 'active' | 'retired';

/** A stored key; times are epoch seconds. */
export interface SigningKeyRow {
  kid: string;
  alg: string;
  publicJwk: JWK;
  /** The private key sealed under the key-encryption key (keys/kek.ts). */
  privateEnc: string;
  state: SigningKeyState;
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
  /** For retired keys: when the last token it signed has expired and it may leave the JWKS. */
  expiresAt: number | null;
}

interface Row {
  kid: string;
  alg: string;
  public_jwk: JWK;
  private_enc: string;
  state: SigningKeyState;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  expires_at: number | null;
}

const fromRow = (r: Row): SigningKeyRow => ({
  kid: r.kid,
  alg: r.alg,
  publicJwk: r.public_jwk,
  privateEnc: r.private_enc,
  state: r.state,
  createdAt: r.created_at,
  activatedAt: r.activated_at,
  retiredAt: r.retired_at,
  expiresAt: r.expires_at,
});

/** Serializes key creation and rotation across instances (held until the transaction ends). */
export async function lockSigningKeys(q: Queryable): Promise<void> {
  await q.query(...lockSql('signingKeys'));
}

/** All keys: active first, then next, then retired from the most recent. */
export async function listSigningKeys(q: Queryable): Promise<SigningKeyRow[]> {
  const res = await q.query<Row>(
    `SELECT * FROM signing_keys
     ORDER BY CASE state WHEN 'active' THEN 0 WHEN 'next' THEN 1 ELSE 2 END, retired_at DESC NULLS FIRST, kid`,
  );
  return res.rows.map(fromRow);
}

export async function insertSigningKey(q: Queryable, k: SigningKeyRow): Promise<void> {
  await q.query(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_enc, state, created_at, activated_at, retired_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      k.kid,
      k.alg,
      JSON.stringify(k.publicJwk),
      k.privateEnc,
      k.state,
      k.createdAt,
      k.activatedAt,
      k.retiredAt,
      k.expiresAt,
    ],
  );
}

/** active → retired, kept published until `expiresAt`. */
export async function retireSigningKey(
  q: Queryable,
  kid: string,
  at: number,
  expiresAt: number,
): Promise<void> {
  const res = await q.query(
    `UPDATE signing_keys SET state = 'retired', retired_at = $2, expires_at = $3 WHERE kid = $1 AND state = 'active'`,
    [kid, at, expiresAt],
  );
  if (res.rowCount !== 1) throw new Error(`signing key ${kid} is not active`);
}

/** next → active. */
export async function activateSigningKey(q: Queryable, kid: string, at: number): Promise<void> {
  const res = await q.query(
    `UPDATE signing_keys SET state = 'active', activated_at = $2 WHERE kid = $1 AND state = 'next'`,
    [kid, at],
  );
  if (res.rowCount !== 1) throw new Error(`signing key ${kid} is not the next key`);
}

/** Deletes retired keys whose every token has expired; returns their kids. */
export async function deleteExpiredSigningKeys(q: Queryable, now: number): Promise<string[]> {
  const res = await q.query<{ kid: string }>(
    `DELETE FROM signing_keys WHERE state = 'retired' AND expires_at <= $1 RETURNING kid`,
    [now],
  );
  return res.rows.map((r) => r.kid).sort();
}

/**
 * The `connector_keys` table: each downstream connector's assertion signing keys (ADR 0013) with
 * their lifecycle state (`next` → `active` → `retired`), sealed private parts and the self-signed
 * certificate a SaaS registers. Every function takes a `Queryable` so that rotation runs in one
 * transaction.
 */
import type { JWK } from 'jose';
import type { Queryable } from './db.js';
import { lockSql } from './locks.js';

export type ConnectorKeyState = 'next' | 'active' | 'retired';

/** A stored connector key; times are epoch seconds. */
export interface ConnectorKeyRow {
  service: string;
  kid: string;
  alg: string;
  publicJwk: JWK;
  /** The private key sealed under the key-encryption key (keys/kek.ts). */
  privateEnc: string;
  certificatePem: string;
  state: ConnectorKeyState;
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
}

interface Row {
  service: string;
  kid: string;
  alg: string;
  public_jwk: JWK;
  private_enc: string;
  certificate_pem: string;
  state: ConnectorKeyState;
  created_at: number | string;
  activated_at: number | string | null;
  retired_at: number | string | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

const fromRow = (r: Row): ConnectorKeyRow => ({
  service: r.service,
  kid: r.kid,
  alg: r.alg,
  publicJwk: r.public_jwk,
  privateEnc: r.private_enc,
  certificatePem: r.certificate_pem,
  state: r.state,
  createdAt: Number(r.created_at),
  activatedAt: num(r.activated_at),
  retiredAt: num(r.retired_at),
});

/** Serializes connector key creation and rotation across instances (until the transaction ends). */
export async function lockConnectorKeys(q: Queryable): Promise<void> {
  await q.query(...lockSql('connectorKeys'));
}

/** One service's keys: active first, then next, then retired from the most recent. */
export async function listConnectorKeys(q: Queryable, service: string): Promise<ConnectorKeyRow[]> {
  const res = await q.query<Row>(
    `SELECT * FROM connector_keys WHERE service = $1
     ORDER BY CASE state WHEN 'active' THEN 0 WHEN 'next' THEN 1 ELSE 2 END, retired_at DESC NULLS FIRST, kid`,
    [service],
  );
  return res.rows.map(fromRow);
}

/** The services that have keys, in name order. */
export async function listConnectorServices(q: Queryable): Promise<string[]> {
  const res = await q.query<{ service: string }>(
    'SELECT DISTINCT service FROM connector_keys ORDER BY service',
  );
  return res.rows.map((r) => r.service);
}

export async function insertConnectorKey(q: Queryable, k: ConnectorKeyRow): Promise<void> {
  await q.query(
    `INSERT INTO connector_keys (service, kid, alg, public_jwk, private_enc, certificate_pem, state, created_at, activated_at, retired_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      k.service,
      k.kid,
      k.alg,
      JSON.stringify(k.publicJwk),
      k.privateEnc,
      k.certificatePem,
      k.state,
      k.createdAt,
      k.activatedAt,
      k.retiredAt,
    ],
  );
}

/** active → retired and next → active for one service, in the caller's transaction. */
export async function promoteConnectorKey(
  q: Queryable,
  service: string,
  activeKid: string,
  nextKid: string,
  at: number,
): Promise<void> {
  const retired = await q.query(
    `UPDATE connector_keys SET state = 'retired', retired_at = $3 WHERE service = $1 AND kid = $2 AND state = 'active'`,
    [service, activeKid, at],
  );
  if (retired.rowCount !== 1) throw new Error(`connector key ${activeKid} of ${service} is not active`);
  const activated = await q.query(
    `UPDATE connector_keys SET state = 'active', activated_at = $3 WHERE service = $1 AND kid = $2 AND state = 'next'`,
    [service, nextKid, at],
  );
  if (activated.rowCount !== 1) throw new Error(`connector key ${nextKid} of ${service} is not the next key`);
}

/** Deletes a service's retired keys beyond the newest `keep`; returns their kids. */
export async function pruneRetiredConnectorKeys(
  q: Queryable,
  service: string,
  keep: number,
): Promise<string[]> {
  const res = await q.query<{ kid: string }>(
    `DELETE FROM connector_keys WHERE service = $1 AND state = 'retired' AND kid NOT IN (
       SELECT kid FROM connector_keys WHERE service = $1 AND state = 'retired' ORDER BY retired_at DESC, kid LIMIT $2)
     RETURNING kid`,
    [service, keep],
  );
  return res.rows.map((r) => r.kid).sort();
}

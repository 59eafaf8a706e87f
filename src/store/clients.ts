/**
 * The `clients` table: OAuth clients from configuration, RFC 7591 dynamic registration and Client ID
 * Metadata Documents. Configuration is authoritative for `source = 'config'` rows only; clients
 * that registered themselves are never touched by a configuration sync.
 */
import { isLookupKey } from '../text.js';
import type { Db, Queryable } from './db.js';

export type ClientTrust = 'registered' | 'cimd' | 'dynamic';
export type ClientSource = 'config' | 'dynamic' | 'cimd';
/** RFC 7591 §2 `token_endpoint_auth_method` values this service supports. */
export type TokenEndpointAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** A client as stored; times are epoch seconds. */
export interface ClientRecord {
  clientId: string;
  clientName: string;
  /** Hash of the client secret (never the secret itself); null for public and key-based clients. */
  secretHash: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  jwks: { keys: Record<string, unknown>[] } | null;
  jwksUri: string | null;
  grantTypes: string[];
  /** Resource identifiers (RFC 8707) this client answers to as a resource server. */
  audiences: string[];
  redirectUris: string[];
  scope: string | null;
  trust: ClientTrust;
  source: ClientSource;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

export interface ClientRepo {
  get(clientId: string): Promise<ClientRecord | undefined>;
  /**
   * Makes the configured clients the `source = 'config'` rows, in one transaction: upserts each
   * (keeping its original `created_at` and `last_used_at`) and deletes configured clients that are
   * no longer configured.
   */
  syncFromConfig(records: ClientRecord[]): Promise<{ upserted: number; removed: number }>;
  /** Adds a dynamically registered client (RFC 7591); its `client_id` is fresh, so a plain insert. */
  insert(record: ClientRecord): Promise<void>;
  /**
   * Upserts the row of a Client ID Metadata Document client. Never overwrites a configured or
   * dynamic client that happens to have the same id; resolves false when such a row exists.
   */
  upsertCimd(record: ClientRecord): Promise<boolean>;
  /** Records a use: `last_used_at` and the new expiry of a self-registered client. */
  touch(clientId: string, at: number, expiresAt: number | null): Promise<void>;
  /** Deletes self-registered (dynamic, CIMD) clients whose expiry is before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

interface Row {
  client_id: string;
  client_name: string;
  secret_hash: string | null;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  jwks: ClientRecord['jwks'];
  jwks_uri: string | null;
  grant_types: string[];
  audiences: string[];
  redirect_uris: string[];
  scope: string | null;
  trust: ClientTrust;
  source: ClientSource;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

function fromRow(r: Row): ClientRecord {
  return {
    clientId: r.client_id,
    clientName: r.client_name,
    secretHash: r.secret_hash,
    tokenEndpointAuthMethod: r.token_endpoint_auth_method,
    jwks: r.jwks,
    jwksUri: r.jwks_uri,
    grantTypes: r.grant_types,
    audiences: r.audiences,
    redirectUris: r.redirect_uris,
    scope: r.scope,
    trust: r.trust,
    source: r.source,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
  };
}

const COLUMNS = `client_id, client_name, secret_hash, token_endpoint_auth_method, jwks, jwks_uri,
       grant_types, audiences, redirect_uris, scope, trust, source, created_at, updated_at, last_used_at, expires_at`;

function values(c: ClientRecord): unknown[] {
  return [
    c.clientId,
    c.clientName,
    c.secretHash,
    c.tokenEndpointAuthMethod,
    c.jwks === null ? null : JSON.stringify(c.jwks),
    c.jwksUri,
    c.grantTypes,
    c.audiences,
    c.redirectUris,
    c.scope,
    c.trust,
    c.source,
    c.createdAt,
    c.updatedAt,
    c.lastUsedAt,
    c.expiresAt,
  ];
}

async function upsert(q: Queryable, c: ClientRecord): Promise<void> {
  await q.query(
    `INSERT INTO clients (${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (client_id) DO UPDATE SET
       client_name = EXCLUDED.client_name, secret_hash = EXCLUDED.secret_hash,
       token_endpoint_auth_method = EXCLUDED.token_endpoint_auth_method, jwks = EXCLUDED.jwks,
       jwks_uri = EXCLUDED.jwks_uri, grant_types = EXCLUDED.grant_types, audiences = EXCLUDED.audiences,
       redirect_uris = EXCLUDED.redirect_uris, scope = EXCLUDED.scope, trust = EXCLUDED.trust,
       source = EXCLUDED.source, updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at`,
    values(c),
  );
}

export function createClientRepo(db: Db): ClientRepo {
  return {
    async get(clientId) {
      // A client id no row can have (U+0000, a lone surrogate, overlong) is simply unknown.
      if (!isLookupKey(clientId)) return undefined;
      const res = await db.query<Row>('SELECT * FROM clients WHERE client_id = $1', [clientId]);
      return res.rows[0] ? fromRow(res.rows[0]) : undefined;
    },
    async syncFromConfig(records) {
      const wrong = records.find((r) => r.source !== 'config');
      if (wrong)
        throw new Error(`client ${wrong.clientId}: syncFromConfig takes source 'config' records only`);
      return db.tx(async (q) => {
        for (const r of records) await upsert(q, r);
        const removed = await q.query(
          `DELETE FROM clients WHERE source = 'config' AND NOT (client_id = ANY($1::text[]))`,
          [records.map((r) => r.clientId)],
        );
        return { upserted: records.length, removed: removed.rowCount };
      });
    },
    async insert(record) {
      await db.query(
        `INSERT INTO clients (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        values(record),
      );
    },
    async upsertCimd(record) {
      if (record.source !== 'cimd')
        throw new Error(`client ${record.clientId}: upsertCimd takes source 'cimd' only`);
      const res = await db.query(
        `INSERT INTO clients (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (client_id) DO UPDATE SET
           client_name = EXCLUDED.client_name, token_endpoint_auth_method = EXCLUDED.token_endpoint_auth_method,
           jwks = EXCLUDED.jwks, jwks_uri = EXCLUDED.jwks_uri, grant_types = EXCLUDED.grant_types,
           redirect_uris = EXCLUDED.redirect_uris, scope = EXCLUDED.scope, updated_at = EXCLUDED.updated_at,
           expires_at = EXCLUDED.expires_at
         WHERE clients.source = 'cimd'`,
        values(record),
      );
      return res.rowCount === 1;
    },
    async touch(clientId, at, expiresAt) {
      // Only self-registered clients expire; a configured client's expiry stays null.
      await db.query(
        `UPDATE clients SET last_used_at = $2,
           expires_at = CASE WHEN source = 'config' THEN expires_at ELSE $3 END
         WHERE client_id = $1`,
        [clientId, at, expiresAt],
      );
    },
    async purgeExpired(now) {
      const res = await db.query(
        `DELETE FROM clients WHERE source IN ('dynamic', 'cimd') AND expires_at IS NOT NULL AND expires_at < $1`,
        [now],
      );
      return res.rowCount;
    },
  };
}

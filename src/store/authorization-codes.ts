/**
 * The `authorization_codes` table (RFC 6749 §4.1.2). A code is single-use: `consume` is one atomic
 * UPDATE, so of two concurrent redemptions exactly one wins; the loser, and any later redemption,
 * sees the code as replayed and marks it so (RFC 6749 §10.5: revoke what the code issued).
 */
import type { Db } from './db.js';
import type { SubjectAttributes } from './subjects.js';

export interface AuthorizationCodeRecord {
  /** base64url(SHA-256(code)). */
  codeHash: string;
  grantId: string;
  clientId: string;
  redirectUri: string;
  /** Whether the authorization request carried redirect_uri (then the token request must too). */
  redirectUriSent: boolean;
  /** PKCE S256 challenge (RFC 7636 §4.2). */
  codeChallenge: string;
  resource: string;
  scope: string;
  subject: SubjectAttributes;
  authTime: number;
  /** RFC 9449 §10: the key the client promised to bind the tokens to. */
  dpopJkt: string | null;
  decisionId: string | null;
  createdAt: number;
  expiresAt: number;
}

export type ConsumeResult =
  | { status: 'consumed'; code: AuthorizationCodeRecord }
  | { status: 'replayed'; code: AuthorizationCodeRecord }
  | { status: 'unknown' };

export interface AuthorizationCodeRepo {
  insert(code: AuthorizationCodeRecord): Promise<void>;
  consume(codeHash: string, now: number): Promise<ConsumeResult>;
  /** Deletes codes expired before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

interface Row {
  code_hash: string;
  grant_id: string;
  client_id: string;
  redirect_uri: string;
  redirect_uri_sent: boolean;
  code_challenge: string;
  resource: string;
  scope: string;
  subject: SubjectAttributes;
  auth_time: number;
  dpop_jkt: string | null;
  decision_id: string | null;
  created_at: number;
  expires_at: number;
}

function fromRow(r: Row): AuthorizationCodeRecord {
  return {
    codeHash: r.code_hash,
    grantId: r.grant_id,
    clientId: r.client_id,
    redirectUri: r.redirect_uri,
    redirectUriSent: r.redirect_uri_sent,
    codeChallenge: r.code_challenge,
    resource: r.resource,
    scope: r.scope,
    subject: r.subject,
    authTime: r.auth_time,
    dpopJkt: r.dpop_jkt,
    decisionId: r.decision_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

export function createAuthorizationCodeRepo(db: Db): AuthorizationCodeRepo {
  return {
    async insert(c) {
      await db.query(
        `INSERT INTO authorization_codes (code_hash, grant_id, client_id, redirect_uri, code_challenge, resource,
           scope, subject, auth_time, dpop_jkt, decision_id, created_at, expires_at, redirect_uri_sent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          c.codeHash,
          c.grantId,
          c.clientId,
          c.redirectUri,
          c.codeChallenge,
          c.resource,
          c.scope,
          JSON.stringify(c.subject),
          c.authTime,
          c.dpopJkt,
          c.decisionId,
          c.createdAt,
          c.expiresAt,
          c.redirectUriSent,
        ],
      );
    },
    async consume(codeHash, now) {
      const won = await db.query<Row>(
        `UPDATE authorization_codes SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at IS NULL RETURNING *`,
        [codeHash, now],
      );
      if (won.rows[0] !== undefined) return { status: 'consumed', code: fromRow(won.rows[0]) };
      // Waits on the first redemption's row lock (grants.ts startFromCode), so that either it sees
      // this mark and refuses to finish, or this caller finds the grant it created and revokes it.
      const replay = await db.query<Row>(
        `UPDATE authorization_codes SET replayed_at = COALESCE(replayed_at, $2) WHERE code_hash = $1 RETURNING *`,
        [codeHash, now],
      );
      const row = replay.rows[0];
      return row === undefined ? { status: 'unknown' } : { status: 'replayed', code: fromRow(row) };
    },
    async purgeExpired(now) {
      const res = await db.query('DELETE FROM authorization_codes WHERE expires_at < $1', [now]);
      return res.rowCount;
    },
  };
}

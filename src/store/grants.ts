/**
 * Grants and their refresh-token families (`grants`, `refresh_tokens`, `grant_access_tokens`).
 *
 * - `startFromCode` creates the grant of a redeemed authorization code, unless the code was
 *   replayed meanwhile (it holds the code row's lock, see authorization-codes.ts).
 * - `rotate` is the compare-and-swap of refresh-token rotation: of two concurrent refreshes of
 *   one token exactly one replaces it; the other finds it rotated and, inside the grace window,
 *   gets the successor the winner stored.
 * - `revoke` revokes a family and, in the same transaction, every access token issued under it
 *   (`issued_tokens.revoked_at`), for code replay (RFC 6749 §10.5), refresh-token reuse (RFC 9700
 *   §4.14.2) and RFC 7009 revocation.
 */
import type { Db } from './db.js';

export interface GrantRecord {
  grantId: string;
  clientId: string;
  sub: string;
  iss: string;
  resource: string;
  scope: string;
  authTime: number;
  dpopJkt: string | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
}

export interface RefreshTokenRecord {
  tokenHash: string;
  grantId: string;
  scope: string;
  createdAt: number;
  rotatedAt: number | null;
  successorHash: string | null;
  /** The winner's response, sealed under a key derived from this (rotated) token. */
  successorSealed: string | null;
}

export interface NewRefreshToken {
  tokenHash: string;
  scope: string;
}

export interface AccessTokenRef {
  jti: string;
  exp: number;
}

export type RefreshRotation = 'rotated' | 'lost' | 'revoked';

export interface GrantRepo {
  startFromCode(
    codeHash: string,
    grant: GrantRecord,
    access: AccessTokenRef,
    refresh: NewRefreshToken | undefined,
  ): Promise<boolean>;
  get(grantId: string): Promise<GrantRecord | undefined>;
  findRefreshToken(tokenHash: string): Promise<{ token: RefreshTokenRecord; grant: GrantRecord } | undefined>;
  rotate(
    oldHash: string,
    grantId: string,
    now: number,
    successor: NewRefreshToken & { sealed: string },
    access: AccessTokenRef,
  ): Promise<RefreshRotation>;
  /** Revokes the family and its access tokens; resolves the access-token jtis newly revoked. */
  revoke(grantId: string, now: number, reason: string): Promise<{ revoked: boolean; jtis: string[] }>;
}

interface GrantRow {
  grant_id: string;
  client_id: string;
  sub: string;
  iss: string;
  resource: string;
  scope: string;
  auth_time: number;
  dpop_jkt: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

interface TokenRow {
  token_hash: string;
  grant_id: string;
  scope: string;
  created_at: number;
  rotated_at: number | null;
  successor_hash: string | null;
  successor_sealed: string | null;
}

function grantFromRow(r: GrantRow): GrantRecord {
  return {
    grantId: r.grant_id,
    clientId: r.client_id,
    sub: r.sub,
    iss: r.iss,
    resource: r.resource,
    scope: r.scope,
    authTime: r.auth_time,
    dpopJkt: r.dpop_jkt,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    revokedReason: r.revoked_reason,
  };
}

function tokenFromRow(r: TokenRow): RefreshTokenRecord {
  return {
    tokenHash: r.token_hash,
    grantId: r.grant_id,
    scope: r.scope,
    createdAt: r.created_at,
    rotatedAt: r.rotated_at,
    successorHash: r.successor_hash,
    successorSealed: r.successor_sealed,
  };
}

export function createGrantRepo(db: Db): GrantRepo {
  return {
    startFromCode: (codeHash, g, access, refresh) => startFromCode(db, codeHash, g, access, refresh),
    async get(grantId) {
      const res = await db.query<GrantRow>('SELECT * FROM grants WHERE grant_id = $1', [grantId]);
      return res.rows[0] === undefined ? undefined : grantFromRow(res.rows[0]);
    },
    async findRefreshToken(tokenHash) {
      const res = await db.query<TokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
      const t = res.rows[0];
      if (t === undefined) return undefined;
      const g = await db.query<GrantRow>('SELECT * FROM grants WHERE grant_id = $1', [t.grant_id]);
      return g.rows[0] === undefined ? undefined : { token: tokenFromRow(t), grant: grantFromRow(g.rows[0]) };
    },
    rotate: (oldHash, grantId, now, successor, access) =>
      rotate(db, oldHash, grantId, now, successor, access),
    revoke: (grantId, now, reason) => revoke(db, grantId, now, reason),
  };
}

/** The grant of a redeemed code, its first access token and refresh token, unless the code was replayed. */
function startFromCode(
  db: Db,
  codeHash: string,
  g: GrantRecord,
  access: AccessTokenRef,
  refresh: NewRefreshToken | undefined,
): Promise<boolean> {
  return db.tx(async (q) => {
    const code = await q.query<{ replayed_at: number | null }>(
      'SELECT replayed_at FROM authorization_codes WHERE code_hash = $1 FOR UPDATE',
      [codeHash],
    );
    if (code.rows[0] === undefined || code.rows[0].replayed_at !== null) return false;
    await q.query(
      `INSERT INTO grants (grant_id, client_id, sub, iss, resource, scope, auth_time, dpop_jkt, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        g.grantId,
        g.clientId,
        g.sub,
        g.iss,
        g.resource,
        g.scope,
        g.authTime,
        g.dpopJkt,
        g.createdAt,
        g.expiresAt,
      ],
    );
    await q.query('INSERT INTO grant_access_tokens (grant_id, jti, exp) VALUES ($1, $2, $3)', [
      g.grantId,
      access.jti,
      access.exp,
    ]);
    if (refresh !== undefined)
      await q.query(
        'INSERT INTO refresh_tokens (token_hash, grant_id, scope, created_at) VALUES ($1, $2, $3, $4)',
        [refresh.tokenHash, g.grantId, refresh.scope, g.createdAt],
      );
    return true;
  });
}

/** The compare-and-swap of a refresh token's rotation, with the successor and its access token. */
function rotate(
  db: Db,
  oldHash: string,
  grantId: string,
  now: number,
  successor: NewRefreshToken & { sealed: string },
  access: AccessTokenRef,
): Promise<RefreshRotation> {
  return db.tx(async (q) => {
    // FOR SHARE: a concurrent revoke (an UPDATE of this row) waits for us, and we for it.
    const g = await q.query<{ revoked_at: number | null }>(
      'SELECT revoked_at FROM grants WHERE grant_id = $1 FOR SHARE',
      [grantId],
    );
    if (g.rows[0] === undefined || g.rows[0].revoked_at !== null) return 'revoked';
    const cas = await q.query(
      `UPDATE refresh_tokens SET rotated_at = $2, successor_hash = $3, successor_sealed = $4
       WHERE token_hash = $1 AND rotated_at IS NULL`,
      [oldHash, now, successor.tokenHash, successor.sealed],
    );
    if (cas.rowCount !== 1) return 'lost';
    await q.query(
      'INSERT INTO refresh_tokens (token_hash, grant_id, scope, created_at) VALUES ($1, $2, $3, $4)',
      [successor.tokenHash, grantId, successor.scope, now],
    );
    await q.query('INSERT INTO grant_access_tokens (grant_id, jti, exp) VALUES ($1, $2, $3)', [
      grantId,
      access.jti,
      access.exp,
    ]);
    return 'rotated';
  });
}

/** The family revoked, and every access token issued under it, in one transaction. */
function revoke(
  db: Db,
  grantId: string,
  now: number,
  reason: string,
): Promise<{ revoked: boolean; jtis: string[] }> {
  return db.tx(async (q) => {
    const g = await q.query(
      'UPDATE grants SET revoked_at = $2, revoked_reason = $3 WHERE grant_id = $1 AND revoked_at IS NULL',
      [grantId, now, reason],
    );
    const t = await q.query<{ jti: string }>(
      `UPDATE issued_tokens SET revoked_at = $2
       WHERE jti IN (SELECT jti FROM grant_access_tokens WHERE grant_id = $1) AND revoked_at IS NULL
       RETURNING jti`,
      [grantId, now],
    );
    return { revoked: g.rowCount === 1, jtis: t.rows.map((r) => r.jti) };
  });
}

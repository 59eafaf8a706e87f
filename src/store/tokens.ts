/**
 * The `issued_tokens` table: every access token Mandate mints, kept until it expires so that
 * introspection (RFC 7662) and revocation (RFC 7009) can answer for it.
 */
import { isCleanText, isLookupKey } from '../text.js';
import type { Queryable } from './db.js';

/** The issuance record kept in Postgres for introspection and revocation. */
export interface IssuedTokenRecord {
  jti: string;
  sub: string;
  client_id: string;
  aud: string[];
  scope: string;
  iat: number;
  exp: number;
  act?: Record<string, unknown>;
  cnf_jkt?: string;
  grant_type: string;
  decision_id?: string;
}

/** An issuance record no column can hold: refused before it joins a group commit (issue 10 §3). */
export class IssuedRecordError extends Error {
  constructor(readonly field: string) {
    super(`issuance record refused: invalid ${field}`);
    this.name = 'IssuedRecordError';
  }
}

/** Text a `text` column holds exactly, and an `act` a `jsonb` column holds (no U+0000 anywhere). */
function jsonbStorable(v: unknown, depth = 0): boolean {
  if (depth > 16) return false;
  if (typeof v === 'string') return isCleanText(v);
  if (typeof v === 'number') return Number.isFinite(v);
  if (v === null || typeof v === 'boolean') return true;
  if (Array.isArray(v)) return v.every((x) => jsonbStorable(x, depth + 1));
  if (typeof v !== 'object') return false;
  return Object.entries(v).every(([k, x]) => isCleanText(k) && jsonbStorable(x, depth + 1));
}

/** @throws IssuedRecordError for a record that would fail its INSERT (and with it a whole batch). */
export function checkIssuedRecord(r: IssuedTokenRecord): void {
  const text = (v: unknown, optional = false): boolean =>
    (optional && v === undefined) || (typeof v === 'string' && isCleanText(v));
  const fields: [string, boolean][] = [
    ['jti', text(r.jti) && r.jti !== ''],
    ['sub', text(r.sub)],
    ['client_id', text(r.client_id)],
    ['aud', Array.isArray(r.aud) && r.aud.every((a) => text(a))],
    ['scope', text(r.scope)],
    ['iat', Number.isSafeInteger(r.iat)],
    ['exp', Number.isSafeInteger(r.exp)],
    ['act', r.act === undefined || jsonbStorable(r.act)],
    ['cnf_jkt', text(r.cnf_jkt, true)],
    ['grant_type', text(r.grant_type)],
    ['decision_id', text(r.decision_id, true)],
  ];
  const bad = fields.find(([, ok]) => !ok);
  if (bad !== undefined) throw new IssuedRecordError(bad[0]);
}

/** A stored issuance, with its revocation time (epoch seconds) when revoked. */
export interface IssuedTokenRow extends IssuedTokenRecord {
  revoked_at?: number;
}

interface Row {
  jti: string;
  sub: string;
  client_id: string;
  aud: string[];
  scope: string;
  iat: number;
  exp: number;
  act: Record<string, unknown> | null;
  cnf_jkt: string | null;
  grant_type: string;
  decision_id: string | null;
  revoked_at: number | null;
}

/**
 * Records an issuance. Takes a `Queryable` so that the audit outbox can call it inside the same
 * transaction as the token's events (design.md, Audit: nothing issued without its record).
 */
export async function insertIssuedToken(q: Queryable, r: IssuedTokenRecord): Promise<void> {
  await q.query(
    `INSERT INTO issued_tokens (jti, sub, client_id, aud, scope, iat, exp, act, cnf_jkt, grant_type, decision_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      r.jti,
      r.sub,
      r.client_id,
      r.aud,
      r.scope,
      r.iat,
      r.exp,
      // Serialized explicitly: pg would send a JS array as a Postgres array, not as JSON.
      r.act === undefined ? null : JSON.stringify(r.act),
      r.cnf_jkt ?? null,
      r.grant_type,
      r.decision_id ?? null,
    ],
  );
}

/** A batch of issuance records as the one `jsonb` parameter `issuedTokensInsertSql` reads. */
export function issuedRecordsParam(records: readonly IssuedTokenRecord[]): string {
  return JSON.stringify(
    records.map((r) => ({
      jti: r.jti,
      sub: r.sub,
      client_id: r.client_id,
      aud: r.aud,
      scope: r.scope,
      iat: r.iat,
      exp: r.exp,
      act: r.act ?? null,
      cnf_jkt: r.cnf_jkt ?? null,
      grant_type: r.grant_type,
      decision_id: r.decision_id ?? null,
    })),
  );
}

/**
 * The INSERT of a batch of issuance records from parameter `param` (see `issuedRecordsParam`).
 * `guard` joins another relation and a condition, so that a larger statement (the audit outbox's
 * group commit) inserts them only when its own condition holds.
 */
export function issuedTokensInsertSql(param: string, guard?: { from: string; where: string }): string {
  return `INSERT INTO issued_tokens (jti, sub, client_id, aud, scope, iat, exp, act, cnf_jkt, grant_type, decision_id)
     SELECT r.jti, r.sub, r.client_id, r.aud, r.scope, r.iat, r.exp, r.act, r.cnf_jkt, r.grant_type, r.decision_id
       FROM ${guard ? `${guard.from}, ` : ''}jsonb_to_recordset(${param}::jsonb) AS r(jti text, sub text, client_id text,
            aud text[], scope text, iat bigint, exp bigint, act jsonb, cnf_jkt text, grant_type text, decision_id text)${
              guard ? `\n      WHERE ${guard.where}` : ''
            }`;
}

/**
 * Records several issuances in one statement (one round trip whatever their number).
 */
export async function insertIssuedTokens(q: Queryable, records: readonly IssuedTokenRecord[]): Promise<void> {
  if (records.length === 0) return;
  if (records.length === 1) return insertIssuedToken(q, records[0] as IssuedTokenRecord);
  await q.query(issuedTokensInsertSql('$1'), [issuedRecordsParam(records)]);
}

export async function getIssuedToken(q: Queryable, jti: string): Promise<IssuedTokenRow | undefined> {
  if (!isLookupKey(jti)) return undefined;
  // Revoked when the token was, or when the grant it was issued under was: a grant can be revoked
  // (code replay, refresh reuse) between minting a token and writing its issuance record.
  const res = await q.query<Row>(
    `SELECT t.jti, t.sub, t.client_id, t.aud, t.scope, t.iat, t.exp, t.grant_type, t.act, t.cnf_jkt,
            t.decision_id,
            COALESCE(t.revoked_at, (SELECT min(g.revoked_at) FROM grant_access_tokens a
                                      JOIN grants g ON g.grant_id = a.grant_id
                                     WHERE a.jti = t.jti)) AS revoked_at
       FROM issued_tokens t WHERE t.jti = $1`,
    [jti],
    // Introspection runs this on every call: parsed and planned once per connection.
    { name: 'issued_token_get' },
  );
  const row = res.rows[0];
  if (!row) return undefined;
  return {
    jti: row.jti,
    sub: row.sub,
    client_id: row.client_id,
    aud: row.aud,
    scope: row.scope,
    iat: row.iat,
    exp: row.exp,
    grant_type: row.grant_type,
    ...(row.act !== null ? { act: row.act } : {}),
    ...(row.cnf_jkt !== null ? { cnf_jkt: row.cnf_jkt } : {}),
    ...(row.decision_id !== null ? { decision_id: row.decision_id } : {}),
    ...(row.revoked_at !== null ? { revoked_at: row.revoked_at } : {}),
  };
}

/**
 * Marks a token revoked at `at` (epoch seconds). Resolves true when this call revoked it, false
 * when it was unknown or already revoked (RFC 7009 §2.2 answers 200 either way).
 */
export async function revokeToken(q: Queryable, jti: string, at: number): Promise<boolean> {
  if (!isLookupKey(jti)) return false;
  const res = await q.query(
    'UPDATE issued_tokens SET revoked_at = $2 WHERE jti = $1 AND revoked_at IS NULL',
    [jti, at],
  );
  return res.rowCount === 1;
}

/** Deletes records of tokens expired before `now`; returns how many. */
export async function purgeExpiredTokens(q: Queryable, now: number): Promise<number> {
  const res = await q.query('DELETE FROM issued_tokens WHERE exp < $1', [now]);
  return res.rowCount;
}

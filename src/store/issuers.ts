/**
 * The `trusted_issuers` table: upstream issuers whose tokens Mandate accepts as subject tokens,
 * ID-JAGs or jwt-bearer assertions (RFC 8693 §2.1, RFC 7523 §3), with how to verify them.
 */
import { isLookupKey } from '../text.js';
import type { Db } from './db.js';

export interface TrustedIssuerRecord {
  issuer: string;
  jwksUri: string | null;
  jwks: { keys: Record<string, unknown>[] } | null;
  /** JWS algorithm allow-list for this issuer's tokens (RFC 8725 §3.1). */
  algorithms: string[];
  /** Token types accepted from it (RFC 8693 §3 URIs, or `typ` header values). */
  tokenTypes: string[];
  /** Claim holding the subject's groups, when the issuer has one. */
  groupsClaim: string | null;
  /** Required `tenant` claim of the issuer's ID-JAGs, for a multi-tenant IdP (migration 005). */
  tenant?: string | null;
  /** A further claim holding scopes, beside `scope` and `scp` (migration 010). */
  scopesClaim?: string | null;
  /** What a token without any scope claim holds: nothing, or what the policy grants (migration 010). */
  scopesWhenAbsent?: 'none' | 'policy';
  source: string;
}

export interface IssuerRepo {
  get(issuer: string): Promise<TrustedIssuerRecord | undefined>;
  list(): Promise<TrustedIssuerRecord[]>;
  /** Upserts the configured issuers and deletes `source = 'config'` ones no longer configured. */
  syncFromConfig(records: TrustedIssuerRecord[]): Promise<{ upserted: number; removed: number }>;
}

interface Row {
  issuer: string;
  jwks_uri: string | null;
  jwks: TrustedIssuerRecord['jwks'];
  algorithms: string[];
  token_types: string[];
  groups_claim: string | null;
  tenant: string | null;
  scopes_claim: string | null;
  scopes_when_absent: 'none' | 'policy';
  source: string;
}

const fromRow = (r: Row): TrustedIssuerRecord => ({
  issuer: r.issuer,
  jwksUri: r.jwks_uri,
  jwks: r.jwks,
  algorithms: r.algorithms,
  tokenTypes: r.token_types,
  groupsClaim: r.groups_claim,
  ...(r.tenant === null ? {} : { tenant: r.tenant }),
  scopesClaim: r.scopes_claim,
  scopesWhenAbsent: r.scopes_when_absent,
  source: r.source,
});

export function createIssuerRepo(db: Db): IssuerRepo {
  return {
    async get(issuer) {
      // An issuer no row can name (U+0000, a lone surrogate, overlong) is simply not trusted.
      if (!isLookupKey(issuer)) return undefined;
      const res = await db.query<Row>('SELECT * FROM trusted_issuers WHERE issuer = $1', [issuer]);
      return res.rows[0] ? fromRow(res.rows[0]) : undefined;
    },
    async list() {
      const res = await db.query<Row>('SELECT * FROM trusted_issuers ORDER BY issuer');
      return res.rows.map(fromRow);
    },
    async syncFromConfig(records) {
      const wrong = records.find((r) => r.source !== 'config');
      if (wrong) throw new Error(`issuer ${wrong.issuer}: syncFromConfig takes source 'config' records only`);
      return db.tx(async (q) => {
        for (const r of records) {
          await q.query(
            `INSERT INTO trusted_issuers (issuer, jwks_uri, jwks, algorithms, token_types, groups_claim, tenant,
               scopes_claim, scopes_when_absent, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (issuer) DO UPDATE SET jwks_uri = EXCLUDED.jwks_uri, jwks = EXCLUDED.jwks,
               algorithms = EXCLUDED.algorithms, token_types = EXCLUDED.token_types,
               groups_claim = EXCLUDED.groups_claim, tenant = EXCLUDED.tenant,
               scopes_claim = EXCLUDED.scopes_claim, scopes_when_absent = EXCLUDED.scopes_when_absent,
               source = EXCLUDED.source`,
            [
              r.issuer,
              r.jwksUri,
              r.jwks === null ? null : JSON.stringify(r.jwks),
              r.algorithms,
              r.tokenTypes,
              r.groupsClaim,
              r.tenant ?? null,
              r.scopesClaim ?? null,
              r.scopesWhenAbsent ?? 'none',
              r.source,
            ],
          );
        }
        const removed = await q.query(
          `DELETE FROM trusted_issuers WHERE source = 'config' AND NOT (issuer = ANY($1::text[]))`,
          [records.map((r) => r.issuer)],
        );
        return { upserted: records.length, removed: removed.rowCount };
      });
    },
  };
}

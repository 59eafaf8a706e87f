/**
 * The `consents` table: what a user agreed to let a client do at a resource, remembered per user,
 * client and resource so that the consent page is shown once (and again only for new scopes).
 */
import type { Db } from './db.js';

export interface ConsentKey {
  iss: string;
  sub: string;
  clientId: string;
  resource: string;
}

export interface ConsentRepo {
  /** The scopes consented to, or undefined when the user never consented. */
  get(key: ConsentKey): Promise<string[] | undefined>;
  /** Adds `scopes` to what the user consented to. */
  remember(key: ConsentKey, scopes: string[], now: number): Promise<void>;
  forget(key: ConsentKey): Promise<void>;
}

const split = (scope: string) => scope.split(' ').filter((s) => s !== '');

export function createConsentRepo(db: Db): ConsentRepo {
  const where = 'iss = $1 AND sub = $2 AND client_id = $3 AND resource = $4';
  const keyParams = (k: ConsentKey) => [k.iss, k.sub, k.clientId, k.resource];
  return {
    async get(key) {
      const res = await db.query<{ scope: string }>(
        `SELECT scope FROM consents WHERE ${where}`,
        keyParams(key),
      );
      const row = res.rows[0];
      return row === undefined ? undefined : split(row.scope);
    },
    async remember(key, scopes, now) {
      await db.tx(async (q) => {
        const res = await q.query<{ scope: string }>(
          `SELECT scope FROM consents WHERE ${where} FOR UPDATE`,
          keyParams(key),
        );
        const merged = [...new Set([...split(res.rows[0]?.scope ?? ''), ...scopes])].join(' ');
        await q.query(
          `INSERT INTO consents (iss, sub, client_id, resource, scope, granted_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (iss, sub, client_id, resource) DO UPDATE SET scope = EXCLUDED.scope,
             granted_at = EXCLUDED.granted_at`,
          [...keyParams(key), merged, now],
        );
      });
    },
    async forget(key) {
      await db.query(`DELETE FROM consents WHERE ${where}`, keyParams(key));
    },
  };
}

/**
 * Replay records shared by every instance: single-use `jti`s of client assertions, DPoP proofs and
 * ID-JAGs. Kept in Postgres until they expire, so a replay is caught whichever instance sees it.
 */
import type { Db } from './db.js';

export interface ReplayStore {
  /**
   * Records `key` in `namespace` until `expiresAt` (seconds since the epoch).
   * Resolves true the first time a live key is seen, false when it is a replay.
   */
  remember(namespace: string, key: string, expiresAt: number): Promise<boolean>;
  /** Deletes expired records; returns how many were removed. */
  purgeExpired(now: number): Promise<number>;
}

export function createReplayStore(db: Db): ReplayStore {
  return {
    async remember(namespace, key, expiresAt) {
      // An expired record with the same key is overwritten; a live one makes this a replay.
      const res = await db.query(
        `INSERT INTO replay (namespace, key, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (namespace, key) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE replay.expires_at < extract(epoch from now())::bigint
         RETURNING 1`,
        [namespace, key, expiresAt],
      );
      return res.rowCount === 1;
    },
    async purgeExpired(now) {
      const res = await db.query('DELETE FROM replay WHERE expires_at < $1', [now]);
      return res.rowCount;
    },
  };
}

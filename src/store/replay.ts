/**
 * Replay records shared by every instance: single-use `jti`s of client assertions, DPoP proofs and
 * ID-JAGs. Kept in Postgres until they expire, so a replay is caught whichever instance sees it.
 *
 * Group commit: every DPoP request records its proof, and one autocommitted INSERT per proof costs a
 * round trip and a WAL flush each (bench/README.md). Calls that arrive together are written in ONE
 * statement; Postgres's unique key still decides, across instances, which use of a key is first.
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

interface Pending {
  id: string;
  namespace: string;
  key: string;
  expiresAt: number;
  resolve(first: boolean): void;
  reject(err: unknown): void;
}

const MAX_BATCH = 512;
const idOf = (namespace: string, key: string): string => `${namespace}\u0000${key}`;

export function createReplayStore(db: Db): ReplayStore {
  let queue: Pending[] = [];
  let flushing = false;

  const write = async (batch: Pending[]): Promise<void> => {
    // The same key twice in one statement would make ON CONFLICT touch a row twice (an error), and
    // the second use is a replay anyway: only first occurrences go to the database.
    const seen = new Set<string>();
    const unique: Pending[] = [];
    const repeats: Pending[] = [];
    for (const p of batch) {
      if (seen.has(p.id)) repeats.push(p);
      else {
        seen.add(p.id);
        unique.push(p);
      }
    }
    try {
      // An expired record with the same key is overwritten; a live one makes this a replay.
      const res = await db.query<{ namespace: string; key: string }>(
        `INSERT INTO replay (namespace, key, expires_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
         ON CONFLICT (namespace, key) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE replay.expires_at < extract(epoch from now())::bigint
         RETURNING namespace, key`,
        [unique.map((p) => p.namespace), unique.map((p) => p.key), unique.map((p) => p.expiresAt)],
      );
      const first = new Set(res.rows.map((r) => idOf(r.namespace, r.key)));
      for (const p of unique) p.resolve(first.has(p.id));
      for (const p of repeats) p.resolve(false);
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  };

  const flush = async (): Promise<void> => {
    flushing = true;
    // One turn, so that requests arriving together share the statement.
    await new Promise<void>((r) => setImmediate(r));
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      await write(batch);
    }
    flushing = false;
  };

  return {
    remember(namespace, key, expiresAt) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ id: idOf(namespace, key), namespace, key, expiresAt, resolve, reject });
        if (!flushing) void flush();
      });
    },
    async purgeExpired(now) {
      const res = await db.query('DELETE FROM replay WHERE expires_at < $1', [now]);
      return res.rowCount;
    },
  };
}

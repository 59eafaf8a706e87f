/**
 * Rate-limit counters (ADR 0010): fixed windows counted in Postgres with one UPSERT per request,
 * so every instance on the database shares each budget; or in this process's memory when the
 * store is embedded (PGlite serves one process) or nothing is shared. Both have the shape of the
 * core's `WindowCounter` port (src/oauth/rate-limit.ts).
 */
import type { Db } from './db.js';

/** One request counted: the count in the current window, and seconds until that window ends. */
export interface WindowCount {
  hits: number;
  resetInSeconds: number;
}

export interface WindowCounterStore {
  hit(name: string, key: string, windowSeconds: number): Promise<WindowCount>;
}

/**
 * The window is the database's (its clock), so instances whose clocks differ count in the same
 * one; GREATEST keeps a statement that read the clock just before a boundary but locked the row
 * just after from moving the window back.
 */
const HIT = `
WITH t AS (SELECT floor(extract(epoch FROM clock_timestamp()))::bigint AS now)
INSERT INTO rate_limits AS r (name, key, window_start, expires_at, hits)
SELECT $1, $2, t.now - t.now % $3, t.now - t.now % $3 + $3, 1 FROM t
ON CONFLICT (name, key) DO UPDATE SET
  hits = CASE WHEN r.window_start >= EXCLUDED.window_start THEN r.hits + 1 ELSE 1 END,
  window_start = GREATEST(r.window_start, EXCLUDED.window_start),
  expires_at = GREATEST(r.expires_at, EXCLUDED.expires_at)
RETURNING hits, expires_at - (SELECT now FROM t) AS reset_in`;

/** Counters in the `rate_limits` table (migration 012), shared by every instance on `db`. */
export function createPgWindowCounter(db: Db): WindowCounterStore {
  return {
    async hit(name, key, windowSeconds) {
      const res = await db.query<{ hits: number; reset_in: string | number }>(
        HIT,
        [name, key, windowSeconds],
        { name: 'rate_limit_hit' },
      );
      const row = res.rows[0];
      if (row === undefined) throw new Error('rate limit counter returned no row');
      return { hits: Number(row.hits), resetInSeconds: Number(row.reset_in) };
    },
  };
}

/** Keys one process keeps before it drops the windows that ended. */
const MAX_MEMORY_KEYS = 100_000;

/** Counters in this process's memory (one instance); `now` in epoch seconds. */
export function createMemoryWindowCounter(
  now: () => number = () => Math.floor(Date.now() / 1000),
): WindowCounterStore {
  const windows = new Map<string, { start: number; end: number; hits: number }>();
  const sweep = (t: number) => {
    for (const [k, w] of windows) if (w.end <= t) windows.delete(k);
    // Still full of live windows: forget them all rather than grow without bound.
    if (windows.size >= MAX_MEMORY_KEYS) windows.clear();
  };
  return {
    hit(name, key, windowSeconds) {
      const t = now();
      const start = t - (t % windowSeconds);
      const id = `${name}\u0000${key}`;
      const w = windows.get(id);
      if (w !== undefined && w.start >= start) {
        w.hits += 1;
        return Promise.resolve({ hits: w.hits, resetInSeconds: w.end - t });
      }
      if (w === undefined && windows.size >= MAX_MEMORY_KEYS) sweep(t);
      windows.set(id, { start, end: start + windowSeconds, hits: 1 });
      return Promise.resolve({ hits: 1, resetInSeconds: start + windowSeconds - t });
    },
  };
}

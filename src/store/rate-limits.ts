/**
 * Rate-limit counters (ADR 0010): fixed windows counted in Postgres by UPSERT (the hits that
 * arrive together in one statement), so every instance on the database shares each budget; or in this process's memory when the
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
 * One statement counts a batch of keys, each by how many of its hits arrived together. The window
 * is the database's (its clock), so instances whose clocks differ count in the same one; GREATEST
 * keeps a statement that read the clock just before a boundary but locked the row just after from
 * moving the window back.
 */
const HIT = `
WITH t AS (SELECT floor(extract(epoch FROM clock_timestamp()))::bigint AS now),
v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[]) AS v(name, key, win, n))
INSERT INTO rate_limits AS r (name, key, window_start, expires_at, hits)
SELECT v.name, v.key, t.now - t.now % v.win, t.now - t.now % v.win + v.win, v.n FROM v, t
ON CONFLICT (name, key) DO UPDATE SET
  hits = CASE WHEN r.window_start >= EXCLUDED.window_start THEN r.hits + EXCLUDED.hits ELSE EXCLUDED.hits END,
  window_start = GREATEST(r.window_start, EXCLUDED.window_start),
  expires_at = GREATEST(r.expires_at, EXCLUDED.expires_at)
RETURNING name, key, hits, expires_at - (SELECT now FROM t) AS reset_in`;

interface Waiting {
  name: string;
  key: string;
  windowSeconds: number;
  /** One per hit, in arrival order. */
  waiters: { resolve(c: WindowCount): void; reject(err: unknown): void }[];
}

const MAX_BATCH = 512;

/**
 * Counters in the `rate_limits` table (migration 012), shared by every instance on `db`. Hits
 * that arrive together are counted in ONE statement, a key's hits by one row update (+n), so a busy
 * client's requests do not queue on its row's lock one statement each; each hit still gets its own
 * place in the count. Rows are sent in key order, so two instances' batches lock rows in one order.
 */
export function createPgWindowCounter(db: Db): WindowCounterStore {
  let queue = new Map<string, Waiting>();
  let flushing = false;

  const write = async (batch: Waiting[]): Promise<void> => {
    batch.sort((a, b) => (a.name === b.name ? (a.key < b.key ? -1 : 1) : a.name < b.name ? -1 : 1));
    try {
      const res = await db.query<{ name: string; key: string; hits: number; reset_in: string | number }>(
        HIT,
        [
          batch.map((w) => w.name),
          batch.map((w) => w.key),
          batch.map((w) => w.windowSeconds),
          batch.map((w) => w.waiters.length),
        ],
        { name: 'rate_limit_hit' },
      );
      const rows = new Map(res.rows.map((r) => [`${r.name}\u0000${r.key}`, r]));
      for (const w of batch) {
        const row = rows.get(`${w.name}\u0000${w.key}`);
        if (row === undefined) throw new Error('rate limit counter returned no row');
        const first = Number(row.hits) - w.waiters.length;
        w.waiters.forEach((x, i) => x.resolve({ hits: first + i + 1, resetInSeconds: Number(row.reset_in) }));
      }
    } catch (err) {
      for (const w of batch) for (const x of w.waiters) x.reject(err);
    }
  };

  const flush = async (): Promise<void> => {
    flushing = true;
    // One turn, so that requests arriving together share the statement.
    await new Promise<void>((r) => setImmediate(r));
    while (queue.size > 0) {
      const all = [...queue.values()];
      const batch = all.slice(0, MAX_BATCH);
      queue = new Map(all.slice(MAX_BATCH).map((w) => [`${w.name}\u0000${w.key}`, w]));
      await write(batch);
    }
    flushing = false;
  };

  return {
    hit(name, key, windowSeconds) {
      return new Promise<WindowCount>((resolve, reject) => {
        const id = `${name}\u0000${key}`;
        const w = queue.get(id) ?? { name, key, windowSeconds, waiters: [] };
        w.waiters.push({ resolve, reject });
        queue.set(id, w);
        if (!flushing) void flush();
      });
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

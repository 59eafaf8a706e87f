/**
 * The embedded driver behind the `Db` seam (design.md, Embedded defaults): PGlite, Postgres compiled
 * to WebAssembly, in-process. One connection, one process: a data folder must not be opened by
 * several processes at once, so clustered or multi-instance deployments need `DATABASE_URL`.
 */
import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.js';

interface PgliteLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount?: number; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(c: PgliteLike): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const res = await c.query<R>(sql, params ? [...params] : undefined);
      return { rows: res.rows, rowCount: res.rowCount ?? res.affectedRows ?? res.rows.length };
    },
    async exec(sql) {
      await c.exec(sql);
    },
  };
}

/** Opens PGlite in `dataDir`, or in memory when it is undefined (tests). */
export async function openPglite(dataDir?: string): Promise<Db> {
  const pg = await PGlite.create(dataDir);
  const base = wrap(pg);
  let closed = false;
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    tx: (fn) => pg.transaction((t) => fn(wrap(t))),
    async probe() {
      // In-process: it answers whenever the process does, and is never a standby.
      await pg.query('SELECT 1');
      return { state: 'writable', detail: 'embedded PGlite accepts writes' };
    },
    async listen(channel, onNotify) {
      return pg.listen(channel, onNotify);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pg.close();
    },
  };
}

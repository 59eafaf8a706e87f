/**
 * What the chain writer's tests share: a fresh batch of exchanges as the outbox hands it to the
 * writer, a database that counts the statements it is sent, and the chain head as stored.
 */
import { prepare } from '../../src/audit/chain.js';
import { buildEvents } from '../../src/audit/outbox.js';
import type { createChainWriter } from '../../src/audit/outbox-write.js';
import type { Db, Queryable } from '../../src/store/db.js';
import type { IssuedTokenRecord } from '../../src/store/tokens.js';
import { exchangeEntry } from './fixtures.js';

export const SOURCE = 'https://mandate.example';

/** One exchange's issuance record and prepared events, as the outbox hands them to the writer. */
export function batch(n = 1): { issued: IssuedTokenRecord[]; events: ReturnType<typeof prepare>[] } {
  const entries = Array.from({ length: n }, () => exchangeEntry());
  return {
    issued: entries.flatMap((e) => (e.issued ? [e.issued] : [])),
    events: entries.flatMap((e) => buildEvents(e, SOURCE).map(prepare)),
  };
}

/** The database as the writer sees it, counting statements (a transaction's BEGIN and COMMIT too). */
export function counting(db: Db): { db: Db; statements: string[] } {
  const statements: string[] = [];
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params, opts) => {
      statements.push(sql.trim().split(/\s+/, 2).join(' '));
      return q.query(sql, params, opts);
    },
    exec: (sql) => q.exec(sql),
  });
  const counted: Db = {
    ...db,
    ...wrap(db),
    tx: (fn, o) => {
      statements.push('BEGIN');
      return db.tx((q) => fn(wrap(q)), o).finally(() => statements.push('COMMIT'));
    },
  };
  return { db: counted, statements };
}

/** Writes one fresh batch of `n` exchanges with `w`. */
export async function writeOne(w: ReturnType<typeof createChainWriter>, n = 1) {
  const b = batch(n);
  return { ...b, sealed: (await w.write(b.issued, b.events)).sealed };
}

export async function head(db: Queryable): Promise<{ sequence: number; hash: string }> {
  const r = await db.query<{ sequence: number; hash: string }>(
    'SELECT sequence, hash FROM audit_chain_head WHERE id = 1',
  );
  return r.rows[0]!;
}

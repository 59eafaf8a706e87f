/**
 * One group commit in one statement (issue 12 §1). The chain head is the one row every writer of
 * every instance must move, so what matters is how long it stays locked: with BEGIN, issuance
 * insert, head lock, outbox insert, head update, NOTIFY and COMMIT as seven client round trips the
 * lock was held across five of them. Here a writer remembers the head its last commit left, seals
 * the batch on it (in Node, without any lock), and sends one statement that moves the head only
 * if it is still there and, in the same statement, inserts the issuance records and the events and
 * notifies the relay:
 *
 *   head moved (the usual case)   one round trip; the row lock lasts one statement's execution
 *   another writer moved it       the statement changes nothing and returns the current head; the
 *                                 batch is sealed again on it and sent again (two round trips)
 *   still losing after a few      BEGIN, lock the head (SELECT … FOR UPDATE), the same statement,
 *   tries (many writers)          COMMIT: the previous design, which always succeeds
 *
 * The guarantees do not change: one statement is one transaction, so the tokens, their events and
 * the head move together or not at all; the head moves only from the value the events were sealed
 * on (the row lock serializes writers and Postgres re-reads the row after waiting for it), so the
 * chain has one total order with no gap and no fork; a failing batch leaves everything as it was.
 * The hash chain itself (chain.ts) is computed exactly as before.
 */
import type { Db, Queryable } from '../store/db.js';
import type { IssuedTokenRecord } from '../store/tokens.js';
import { issuedRecordsParam, issuedTokensInsertSql } from '../store/tokens.js';
import type { SealableEvent, SealedText } from './chain.js';
import { sealText } from './chain.js';

/** The channel the outbox NOTIFYs after a commit; the relay LISTENs on it. */
export const OUTBOX_CHANNEL = 'mandate_outbox';

/** Where the chain ends: the last event's sequence and hash (sequence 0 and genesis when empty). */
export interface ChainHead {
  sequence: number;
  hash: string;
}

/** Optimistic attempts before a batch is written under the head's lock (many writers contending). */
const OPTIMISTIC_ATTEMPTS = 3;

/*
 * $1/$2 the head the batch was sealed on, $3/$4 the head after it; $5 the issuance records;
 * $6–$11 the events as column arrays; $12 the NOTIFY payload. The UPDATE always takes the row lock
 * and, when another writer moved the head meanwhile, leaves the row as that writer left it and
 * returns it (Postgres evaluates the CASE on the row as it is after the wait, READ COMMITTED).
 * `moved` can only be true for this batch: $4 is a SHA-256 over events carrying fresh ids.
 */
const COMMIT_SQL = `WITH head AS (
  UPDATE audit_chain_head
     SET sequence = CASE WHEN sequence = $1::bigint AND hash = $2::text THEN $3::bigint ELSE sequence END,
         hash = CASE WHEN sequence = $1::bigint AND hash = $2::text THEN $4::text ELSE hash END
   WHERE id = 1
  RETURNING sequence, hash, sequence = $3::bigint AND hash = $4::text AS moved
), tokens AS (
  ${issuedTokensInsertSql('$5', { from: 'head', where: 'head.moved' })}
), events AS (
  INSERT INTO outbox (sequence, id, subject, event, prev_hash, hash)
  SELECT r.s, r.i, r.sub, r.e::json, r.p, r.h
    FROM head, unnest($6::bigint[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[])
         AS r(s, i, sub, e, p, h)
   WHERE head.moved
)
SELECT sequence, hash, moved, CASE WHEN moved THEN pg_notify('${OUTBOX_CHANNEL}', $12::text) END AS notified
  FROM head`;

/** Its name as a prepared statement: parsed and planned once per connection. */
const COMMIT_STATEMENT = 'mandate_audit_commit';

interface HeadRow {
  sequence: number | string;
  hash: string;
  moved?: boolean;
}

function headOf(row: HeadRow | undefined): ChainHead {
  if (!row) throw new Error('audit chain head is missing (migration 002_audit not applied?)');
  return { sequence: Number(row.sequence), hash: row.hash };
}

/** Seals `events` in order after `head`. */
export function sealAfter(events: readonly SealableEvent[], head: ChainHead): SealedText[] {
  let sequence = head.sequence;
  let prev = head.hash;
  return events.map((e) => {
    const s = sealText(e, ++sequence, prev);
    prev = s.hash;
    return s;
  });
}

/** Runs the commit statement for `events` sealed as `sealed` after `on`; returns the head it left. */
async function commitAt(
  q: Queryable,
  on: ChainHead,
  events: readonly SealableEvent[],
  sealed: readonly SealedText[],
  issued: string,
): Promise<{ moved: boolean; head: ChainHead }> {
  const last = sealed.at(-1);
  const after: ChainHead = last ? { sequence: Number(last.sequence), hash: last.hash } : on;
  const res = await q.query<HeadRow>(
    COMMIT_SQL,
    [
      on.sequence,
      on.hash,
      after.sequence,
      after.hash,
      issued,
      sealed.map((s) => Number(s.sequence)),
      events.map((e) => e.id),
      events.map((e) => e.subject),
      sealed.map((s) => s.text),
      sealed.map((s) => s.prevhash),
      sealed.map((s) => s.hash),
      String(after.sequence),
    ],
    { name: COMMIT_STATEMENT },
  );
  const row = res.rows[0];
  return { moved: row?.moved === true, head: headOf(row) };
}

/** What the writer did so far: batches, and how often it found the head moved or had to lock it. */
export interface ChainWriterStats {
  /** Batches committed. */
  batches: number;
  /** Commit statements that found another writer's head (the batch was sealed again). */
  conflicts: number;
  /** Batches written under the head's lock after losing `OPTIMISTIC_ATTEMPTS` times. */
  locked: number;
}

/** Writes batches to one database, remembering where its last commit left the chain. */
export interface ChainWriter {
  stats(): ChainWriterStats;
  /**
   * Inserts `issued` and appends `events` (in order) in one transaction; resolves with the sealed
   * events once committed. Rejects, having written nothing, when the transaction fails.
   */
  write(issued: readonly IssuedTokenRecord[], events: readonly SealableEvent[]): Promise<SealedText[]>;
}

export function createChainWriter(db: Db): ChainWriter {
  let head: ChainHead | undefined;
  const stats: ChainWriterStats = { batches: 0, conflicts: 0, locked: 0 };
  return {
    stats: () => ({ ...stats }),
    async write(issued, events) {
      if (issued.length === 0 && events.length === 0) return [];
      const records = issuedRecordsParam(issued);
      for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
        head ??= headOf(
          (await db.query<HeadRow>('SELECT sequence, hash FROM audit_chain_head WHERE id = 1')).rows[0],
        );
        const sealed = sealAfter(events, head);
        const r = await commitAt(db, head, events, sealed, records);
        head = r.head;
        if (r.moved) {
          stats.batches++;
          return sealed;
        }
        stats.conflicts++;
      }
      const sealed = await db.tx(async (q) => {
        const locked = headOf(
          (await q.query<HeadRow>('SELECT sequence, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE'))
            .rows[0],
        );
        const underLock = sealAfter(events, locked);
        const r = await commitAt(q, locked, events, underLock, records);
        // Unreachable while the lock is held; a fork is worse than a failed batch.
        if (!r.moved) throw new Error('audit chain head moved while locked');
        head = r.head;
        return underLock;
      });
      stats.batches++;
      stats.locked++;
      return sealed;
    },
  };
}

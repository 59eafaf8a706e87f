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
 * $1/$2 the head the batch was sealed on, $3/$4 the head after it; $5 the issuance records; $6 the
 * events' texts and $7 their other columns, one line per event (see `eventLines`). The UPDATE
 * always takes the row lock and, when another writer moved the head meanwhile, leaves the row as
 * that writer left it and returns it (Postgres evaluates the CASE on the row as it is after the
 * wait, READ COMMITTED). `moved` can only be true for this batch: $4 is a SHA-256 over events
 * carrying fresh ids.
 *
 * The events travel as two plain texts split on line feeds rather than as six text arrays: parsing
 * an array literal (every quote of every event escaped) was a quarter of the statement's cost in
 * Postgres (bench/README.md, "Events as two texts"). A line feed cannot occur inside an event:
 * canonical JSON has no whitespace and escapes control characters in strings. Were the two texts
 * ever to disagree, the shorter side's missing values are NULL (ROWS FROM pads), which the NOT
 * NULL columns refuse, and a text cut in two is not JSON, which the `json` column refuses: the
 * statement fails and writes nothing. The sequences are the head's plus the ordinality, exactly
 * as `sealAfter` numbered them.
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
  SELECT $1::bigint + r.n, split_part(r.m, ' ', 1)::uuid, split_part(r.m, ' ', 4), r.e::json,
         split_part(r.m, ' ', 2), split_part(r.m, ' ', 3)
    FROM head, ROWS FROM (string_to_table($6::text, E'\\n'), string_to_table($7::text, E'\\n'))
         WITH ORDINALITY AS r(e, m, n)
   WHERE head.moved
)
SELECT sequence, hash, moved,
       CASE WHEN moved THEN pg_notify('${OUTBOX_CHANNEL}', $3::bigint::text) END AS notified
  FROM head`;

/**
 * Its name as a prepared statement: parsed and planned once per connection. It names the shape
 * of the SQL (`_lines`: events as line-split texts), so that a connection never holds two texts
 * under one name.
 */
const COMMIT_STATEMENT = 'mandate_audit_commit_lines';

/** An id or subject that would shift or cut the fields of its line. */
const NOT_ONE_FIELD = /[\s]|^$/;

/**
 * The events as the statement's $6 and $7: their canonical texts, and per event its id, prevhash,
 * hash and subject separated by spaces, one line each. The hashes are hex digests; the id and the
 * subject (a UUID and [A-Za-z0-9_.-], but handed in by the caller, a worker in cluster mode) are
 * checked, since a space in a subject would silently cut it short in the table.
 * @throws Error for an id or subject holding whitespace (the batch then writes nothing).
 */
function eventLines(
  events: readonly SealableEvent[],
  sealed: readonly SealedText[],
): { texts: string; columns: string } {
  const columns = sealed.map((s, i) => {
    const { id, subject } = events[i] as SealableEvent;
    if (NOT_ONE_FIELD.test(id) || NOT_ONE_FIELD.test(subject)) {
      throw new Error(
        `audit event refused: id or subject is empty or holds whitespace (${JSON.stringify(id)})`,
      );
    }
    return `${id} ${s.prevhash} ${s.hash} ${subject}`;
  });
  return { texts: sealed.map((s) => s.text).join('\n'), columns: columns.join('\n') };
}

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
  const lines = eventLines(events, sealed);
  const res = await q.query<HeadRow>(
    COMMIT_SQL,
    [on.sequence, on.hash, after.sequence, after.hash, issued, lines.texts, lines.columns],
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

/** One batch written: its events as sealed, and what writing it took (this call's counts). */
export interface WrittenBatch extends ChainWriterStats {
  sealed: SealedText[];
}

/** Writes batches to one database, remembering where its last commit left the chain. */
export interface ChainWriter {
  stats(): ChainWriterStats;
  /**
   * Inserts `issued` and appends `events` (in order) in one transaction; resolves once committed
   * with the sealed events and this call's counts. Rejects, having written nothing, when the
   * transaction fails. One call at a time (the writer remembers the head its last call left).
   */
  write(issued: readonly IssuedTokenRecord[], events: readonly SealableEvent[]): Promise<WrittenBatch>;
}

export function createChainWriter(db: Db): ChainWriter {
  let head: ChainHead | undefined;
  const stats: ChainWriterStats = { batches: 0, conflicts: 0, locked: 0 };
  return {
    stats: () => ({ ...stats }),
    async write(issued, events) {
      if (issued.length === 0 && events.length === 0)
        return { sealed: [], batches: 0, conflicts: 0, locked: 0 };
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
          return { sealed, batches: 1, conflicts: attempt, locked: 0 };
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
      return { sealed, batches: 1, conflicts: OPTIMISTIC_ATTEMPTS, locked: 1 };
    },
  };
}

/**
 * One batch of the outbox relay (relay.ts): one transaction that locks the destination's mark in
 * `audit_relay`, checks that the database still continues what the destination holds, appends the
 * events that follow the mark, and moves it. A chain that does not continue is a `ForkDetected`,
 * on which the relay stops (docs/audit.md "Forks").
 */
import type { Db, Queryable } from '../store/db.js';
import { GENESIS_HASH } from './chain.js';
import type { RelayRow, Sink, SinkTail } from './sink.js';

/** A mark no delivery has set yet. */
export const NEVER = -1;

/** What a batch reads and moves of the relay's state. */
export interface RelayBatchState {
  readonly db: Db;
  readonly sink: Sink;
  /** The destination as messages name it. */
  readonly where: string;
  readonly batchSize: number;
  readonly stats: { published_total: number };
  /** The destination's tail was checked against the database since the last failure. */
  synced: boolean;
  checkedAt: number;
}

interface Mark {
  sequence: number;
  hash: string;
  position: number;
  /** Not a delivered event: where a new destination starts (before the outbox's first row). */
  start?: true;
}

interface OutboxRow extends RelayRow {
  prev_hash: string;
  hash: string;
}

export class ForkDetected extends Error {
  constructor(
    readonly sequence: number,
    detail: string,
  ) {
    super(detail);
  }
}

/** The destination holds events past the database's chain head: published events were lost. */
async function lostEvents(r: RelayBatchState, q: Queryable, sequence: number): Promise<ForkDetected> {
  const head = await q.query<{ sequence: number }>('SELECT sequence FROM audit_chain_head WHERE id = 1');
  return new ForkDetected(
    sequence,
    `${r.where} holds events up to ${sequence}, but the database's chain ends at ${Number(head.rows[0]?.sequence ?? 0)}: the database lost events that were already published (a failover to a standby that had not received them, or a restored backup)`,
  );
}

/** The destination and the database hold different events of one sequence. */
function otherChain(r: RelayBatchState, sequence: number, published: string, ours: string): ForkDetected {
  return new ForkDetected(
    sequence,
    `${r.where} holds event ${sequence} with hash ${published.slice(0, 16)}…, but the database's event ${sequence} has hash ${ours.slice(0, 16)}…: the database's chain is not the one published`,
  );
}

/**
 * Where to continue, from what the destination holds last: its last event must be the
 * database's event of that sequence; a destination with nothing to check against continues
 * from the mark, or, new, receives the outbox from its first row.
 */
async function locate(r: RelayBatchState, q: Queryable, tail: SinkTail, mark: Mark): Promise<Mark> {
  if (tail.last !== undefined) {
    const { sequence, hash } = tail.last;
    const row = await q.query<{ hash: string }>('SELECT hash FROM outbox WHERE sequence = $1', [sequence]);
    const ours = row.rows[0]?.hash;
    if (ours === hash) return { sequence, hash, position: tail.position };
    if (ours !== undefined) throw otherChain(r, sequence, hash, ours);
    throw await lostEvents(r, q, sequence);
  }
  if (mark.sequence !== NEVER) return { ...mark, position: tail.position };
  const first = await q.query<{ sequence: number; prev_hash: string }>(
    'SELECT sequence, prev_hash FROM outbox ORDER BY sequence LIMIT 1',
  );
  const f = first.rows[0];
  return f === undefined
    ? { sequence: 0, hash: GENESIS_HASH, position: tail.position, start: true }
    : { sequence: Number(f.sequence) - 1, hash: f.prev_hash, position: tail.position, start: true };
}

/** One transaction: lock the mark, check, append what follows it, move the mark. */
export function relayBatch(r: RelayBatchState, check: boolean): Promise<number | 'busy'> {
  return r.db.tx(async (q) => {
    const stored = await lockMark(r, q);
    if (stored === undefined) return 'busy';
    let mark = stored;
    // Until its first delivery a destination has no mark: where to start is read each time.
    if (!r.synced || check || stored.sequence === NEVER) {
      mark = await locate(r, q, await r.sink.tail(), stored);
      r.synced = true;
      r.checkedAt = Date.now();
    }
    const rows = await rowsAfter(r, q, mark);
    let next = mark;
    if (rows.length > 0) {
      const last = rows[rows.length - 1]!;
      next = { sequence: last.sequence, hash: last.hash, position: await r.sink.append(rows, mark.position) };
      r.stats.published_total += rows.length;
    }
    const moved =
      next.sequence !== stored.sequence || next.position !== stored.position || next.hash !== stored.hash;
    if (moved && next.start === undefined)
      await q.query(
        'UPDATE audit_relay SET sequence = $2, hash = $3, position = $4, updated_at = now() WHERE target = $1',
        [r.sink.target, next.sequence, next.hash, next.position],
        { name: 'relay_move_mark' },
      );
    return rows.length;
  });
}

/** The destination's mark, locked for this transaction; undefined while another relay holds it. */
async function lockMark(r: RelayBatchState, q: Queryable): Promise<Mark | undefined> {
  const st = await q.query<Mark>(
    'SELECT sequence, hash, position FROM audit_relay WHERE target = $1 FOR UPDATE SKIP LOCKED',
    [r.sink.target],
    { name: 'relay_lock_mark' },
  );
  const locked = st.rows[0];
  if (locked === undefined) return undefined;
  return { sequence: Number(locked.sequence), hash: locked.hash, position: Number(locked.position) };
}

/** Up to a batch of the events after `mark`, which must still be the database's and be followed. */
async function rowsAfter(r: RelayBatchState, q: Queryable, mark: Mark): Promise<OutboxRow[]> {
  const res = await q.query<OutboxRow>(
    `SELECT sequence, id, subject, event::text AS body, prev_hash, hash FROM outbox
      WHERE sequence >= $1 ORDER BY sequence LIMIT $2`,
    [mark.sequence, r.batchSize + 1],
    // The relay's three statements run every batch: parsed and planned once per connection.
    { name: 'relay_rows_after' },
  );
  let rows = res.rows.map((row) => ({ ...row, sequence: Number(row.sequence) }));
  if (mark.start === undefined) {
    // The marked event must still be the database's: after a failover it may be gone or other.
    const m = rows[0];
    if (m?.sequence !== mark.sequence || m.hash !== mark.hash) {
      r.synced = false;
      throw m?.sequence !== mark.sequence
        ? await lostEvents(r, q, mark.sequence)
        : otherChain(r, mark.sequence, mark.hash, m.hash);
    }
    rows = rows.slice(1);
  }
  rows = rows.slice(0, r.batchSize);
  const first = rows[0];
  if (first !== undefined && first.prev_hash !== mark.hash)
    throw new ForkDetected(
      first.sequence,
      `the database's event ${first.sequence} does not follow event ${mark.sequence} of ${r.where} (prevhash differs)`,
    );
  return rows;
}

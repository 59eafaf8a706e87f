/**
 * Group commit: every writer must move the one chain-head row to extend the hash chain, so one
 * transaction per request would serialize all requests (of every instance) on a commit's fsync.
 * Instead `submit` queues a unit (issuance records and prepared events, all or nothing) and a
 * flush writes everything waiting in ONE call of its batch writer (outbox-write.ts: one statement;
 * or, in a cluster worker, the primary's one writer, cluster-writer.ts), then settles every
 * waiter. Under load the batch grows by itself; idle, a unit waits one event-loop turn. If a batch
 * fails, its units are retried one call each, so a bad unit (say a duplicate jti) is refused alone
 * and its neighbours still commit; nothing is half-written. When the database cannot take writes
 * (isDatabaseUnavailable), the batch and everything queued behind it fail at once instead (503),
 * since retrying unit by unit would make every waiter wait once per unit.
 *
 * Flushes in flight (`maxInFlight`): the chain writer remembers the head its last statement left,
 * so over it one flush runs at a time (the default). A cluster worker's writer is the primary,
 * whose own group commit orders everything: there a worker sends the next batch while the last is
 * still being written, so a unit that arrives then joins the primary's next statement instead of
 * waiting for the last answer to come back first (one cross-process round trip less per unit).
 */
import type { Logger } from '../log.js';
import { isDatabaseUnavailable } from '../store/errors.js';
import type { IssuedTokenRecord } from '../store/tokens.js';
import type { SealableEvent } from './chain.js';
import type { ChainWriterStats } from './outbox-write.js';

/** What is written together or not at all: one entry's records and events, or a worker's batch. */
export interface CommitUnit {
  issued: readonly IssuedTokenRecord[];
  events: readonly SealableEvent[];
}

/** Where batches go: the chain writer (outbox-write.ts) or the cluster's writer (cluster-writer.ts). */
export interface BatchWriter {
  /**
   * Writes `issued` and appends `events` in one transaction, or rejects having written nothing;
   * resolves with what writing them took (batches, conflicts, locked), counted for this call only.
   */
  write(issued: readonly IssuedTokenRecord[], events: readonly SealableEvent[]): Promise<CommitShare>;
  /** Batches committed, and how often the chain head was contended. */
  stats(): ChainWriterStats;
}

/**
 * The writer's work a committed unit answers for: the first unit of each committed batch carries
 * that batch's counts and the others zeros, so summing the shares of every unit (over all the
 * workers of a cluster) gives the writer's counts exactly once.
 */
export type CommitShare = ChainWriterStats;

export interface GroupCommitStats {
  committed_total: number;
  failed_total: number;
  /** Batches written (each one transaction), wherever the writer is. */
  flushes_total: number;
  /** Most units written in one batch so far. */
  max_batch: number;
  /** Batches that found the chain head moved by another writer and were sealed again and resent. */
  conflicts_total: number;
  /** Batches written under the head's lock after losing the optimistic attempts. */
  locked_total: number;
}

export interface GroupCommit {
  /** Resolves once the unit is committed; rejects, with nothing of it written, when it is not. */
  submit(unit: CommitUnit): Promise<CommitShare>;
  /** Refuses new units and waits for the flush in progress. */
  close(): Promise<void>;
  stats(): GroupCommitStats;
}

interface Pending {
  unit: CommitUnit;
  resolve(share: CommitShare): void;
  reject(err: unknown): void;
}

export interface GroupCommitOptions {
  /** Most units written in one batch (default 256). */
  maxBatch?: number;
  /** Batches written at once (default 1; more only for a writer that orders them itself). */
  maxInFlight?: number;
}

/** What the flush's functions share: the queue, the flushes running, and the counters. */
interface Queue {
  readonly writer: BatchWriter;
  readonly log: Logger;
  readonly maxBatch: number;
  readonly maxInFlight: number;
  readonly counts: { committed: number; failed: number; maxBatch: number };
  pending: Pending[];
  readonly running: Set<Promise<void>>;
  /** A flush is due on the next turn (set by `submit`, so that units arriving together share it). */
  scheduled: boolean;
  closed: boolean;
}

const NO_SHARE: CommitShare = Object.freeze({ batches: 0, conflicts: 0, locked: 0 });

export function createGroupCommit(
  writer: BatchWriter,
  log: Logger,
  opts: GroupCommitOptions = {},
): GroupCommit {
  const q: Queue = {
    writer,
    log,
    maxBatch: opts.maxBatch ?? 256,
    maxInFlight: opts.maxInFlight ?? 1,
    counts: { committed: 0, failed: 0, maxBatch: 0 },
    pending: [],
    running: new Set(),
    scheduled: false,
    closed: false,
  };
  return {
    submit(unit) {
      if (q.closed) return Promise.reject(new Error('audit outbox is closed'));
      return new Promise<CommitShare>((resolve, reject) => {
        q.pending.push({ unit, resolve, reject });
        schedule(q);
      });
    },
    async close() {
      q.closed = true;
      while (q.running.size > 0 || q.scheduled) {
        await Promise.all(q.running);
        if (q.scheduled) await new Promise<void>((r) => setImmediate(r));
      }
    },
    stats() {
      const w = q.writer.stats();
      return {
        committed_total: q.counts.committed,
        failed_total: q.counts.failed,
        flushes_total: w.batches,
        max_batch: q.counts.maxBatch,
        conflicts_total: w.conflicts,
        locked_total: w.locked,
      };
    },
  };
}

/** Starts flushing on the next turn, unless that is due already or no flush could start. */
function schedule(q: Queue): void {
  if (q.scheduled || q.running.size >= q.maxInFlight) return;
  q.scheduled = true;
  // Yield one turn so that requests arriving together share the first transaction too.
  setImmediate(() => {
    q.scheduled = false;
    drain(q);
  });
}

/** Starts flushes of what is waiting, up to `maxInFlight`; each, when done, starts the next. */
function drain(q: Queue): void {
  while (q.pending.length > 0 && q.running.size < q.maxInFlight) {
    const batch = q.pending.slice(0, q.maxBatch);
    q.pending = q.pending.slice(batch.length);
    const running: Promise<void> = flush(q, batch).finally(() => {
      q.running.delete(running);
      drain(q);
    });
    q.running.add(running);
  }
}

async function flush(q: Queue, batch: Pending[]): Promise<void> {
  let share: CommitShare;
  try {
    share = await write(q, batch);
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      // A COMMIT whose answer was lost may have committed: fail this batch and everything that
      // queued behind it, at once.
      const waiting = q.pending;
      q.pending = [];
      fail(q, [...batch, ...waiting], err);
      return;
    }
    if (batch.length === 1) {
      fail(q, batch, err);
      return;
    }
    q.log.warn('audit: batch commit failed, retrying entries one by one', {
      entries: batch.length,
      error: err instanceof Error ? err.message : String(err),
    });
    await writeEach(q, batch);
    return;
  }
  succeed(q, batch, share);
}

/** One call per unit, so that a bad unit is refused alone. */
async function writeEach(q: Queue, batch: Pending[]): Promise<void> {
  for (const p of batch) {
    let share: CommitShare;
    try {
      share = await write(q, [p]);
    } catch (e) {
      fail(q, [p], e);
      continue;
    }
    succeed(q, [p], share);
  }
}

/** Writes `batch` in one call; returns what the writer counted for it. */
async function write(q: Queue, batch: Pending[]): Promise<CommitShare> {
  const { batches, conflicts, locked } = await q.writer.write(
    batch.flatMap((p) => p.unit.issued),
    batch.flatMap((p) => p.unit.events),
  );
  q.counts.maxBatch = Math.max(q.counts.maxBatch, batch.length);
  // Only the counts: a writer may resolve with more (the chain writer's sealed events).
  return { batches, conflicts, locked };
}

function succeed(q: Queue, batch: Pending[], share: CommitShare): void {
  batch.forEach((p, i) => {
    q.counts.committed++;
    p.resolve(i === 0 ? share : NO_SHARE);
  });
}

function fail(q: Queue, batch: Pending[], err: unknown): void {
  for (const p of batch) {
    q.counts.failed++;
    p.reject(err);
  }
}

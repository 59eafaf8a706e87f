/**
 * Group commit: every writer must move the one chain-head row to extend the hash chain, so one
 * transaction per request would serialize all requests (of every instance) on a commit's fsync.
 * Instead `submit` queues a unit (issuance records and prepared events, all or nothing) and one
 * flush per process writes everything waiting in ONE call of its batch writer (outbox-write.ts:
 * one statement; or, in a cluster worker, the primary's one writer, cluster-writer.ts), then
 * settles every waiter. Under load the batch grows by itself; idle, a unit waits one event-loop
 * turn. If a batch fails, its units are retried one call each, so a bad unit (say a duplicate jti)
 * is refused alone and its neighbours still commit; nothing is half-written. When the database
 * cannot take writes (isDatabaseUnavailable), the batch and everything queued behind it fail at
 * once instead (503), since retrying unit by unit would make every waiter wait once per unit.
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
  /** Writes `issued` and appends `events` in one transaction, or rejects having written nothing. */
  write(issued: readonly IssuedTokenRecord[], events: readonly SealableEvent[]): Promise<unknown>;
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

/** What the flush's functions share: the queue, the one flush running, and the counters. */
interface Queue {
  readonly writer: BatchWriter;
  readonly log: Logger;
  readonly maxBatch: number;
  readonly counts: { committed: number; failed: number; maxBatch: number };
  pending: Pending[];
  running: Promise<void> | undefined;
  closed: boolean;
}

const NO_SHARE: CommitShare = Object.freeze({ batches: 0, conflicts: 0, locked: 0 });

export function createGroupCommit(writer: BatchWriter, log: Logger, maxBatch = 256): GroupCommit {
  const q: Queue = {
    writer,
    log,
    maxBatch,
    counts: { committed: 0, failed: 0, maxBatch: 0 },
    pending: [],
    running: undefined,
    closed: false,
  };
  return {
    submit(unit) {
      if (q.closed) return Promise.reject(new Error('audit outbox is closed'));
      return new Promise<CommitShare>((resolve, reject) => {
        q.pending.push({ unit, resolve, reject });
        kick(q);
      });
    },
    async close() {
      q.closed = true;
      while (q.running) await q.running;
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

/** Starts the one flush of this process, unless it is running. */
function kick(q: Queue): void {
  if (q.running) return;
  q.running = flushLoop(q).finally(() => {
    q.running = undefined;
    // Units queued while the last flush was finishing.
    if (q.pending.length > 0) kick(q);
  });
}

async function flushLoop(q: Queue): Promise<void> {
  // Yield one turn so that requests arriving together share the first transaction too.
  await new Promise<void>((r) => setImmediate(r));
  while (q.pending.length > 0) {
    const batch = q.pending.slice(0, q.maxBatch);
    q.pending = q.pending.slice(batch.length);
    await flush(q, batch);
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

/** Writes `batch` in one call; returns what the writer counted while doing it. */
async function write(q: Queue, batch: Pending[]): Promise<CommitShare> {
  const before = q.writer.stats();
  await q.writer.write(
    batch.flatMap((p) => p.unit.issued),
    batch.flatMap((p) => p.unit.events),
  );
  const after = q.writer.stats();
  q.counts.maxBatch = Math.max(q.counts.maxBatch, batch.length);
  return {
    batches: after.batches - before.batches,
    conflicts: after.conflicts - before.conflicts,
    locked: after.locked - before.locked,
  };
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

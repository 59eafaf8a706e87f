/**
 * The transactional outbox (design.md "Audit and decision stream"): an entry's issuance record and
 * its events are written in one Postgres transaction, so no token exists without its event and no
 * event without its token. The caller sends the token only after `commit` resolves.
 *
 * Group commit: every writer must move the one chain-head row to extend the hash chain, so one
 * transaction per request would serialize all requests (of every instance) on a commit's fsync.
 * Instead `commit` queues the entry and one writer per process flushes everything waiting in ONE
 * transaction (one statement: insert tokens and events with consecutive sequences, move the head;
 * outbox-write.ts), then settles every waiter. Under load the batch grows by itself; idle, an entry waits one event-loop
 * turn. An issuance record no column can hold is refused before it is queued; if a batch fails
 * anyway, its entries are retried one transaction each, so a bad entry (say a duplicate jti) is
 * refused alone and its neighbours still commit; nothing is half-written.
 */
import type { Db } from '../store/db.js';
import { isDatabaseUnavailable } from '../store/errors.js';
import { checkIssuedRecord } from '../store/tokens.js';
import type { Logger } from '../log.js';
import type { AuditEntry, AuditPort } from './port.js';
import type { UnsealedEvent } from './events.js';
import { decisionEventPrepared, tokenEventPrepared } from './build-events.js';
import type { PreparedEvent } from './chain.js';
import { createChainWriter, type ChainWriter } from './outbox-write.js';

export interface OutboxAuditOptions {
  db: Db;
  /** CloudEvents `source`: the Mandate issuer URL. */
  source: string;
  log: Logger;
  /** Most entries written in one transaction (default 256). */
  maxBatch?: number;
}

export interface OutboxStats {
  committed_total: number;
  failed_total: number;
  flushes_total: number;
  /** Largest batch written in one transaction so far. */
  max_batch: number;
  /**
   * Commit statements that found the chain head moved by another writer (a worker or instance on
   * the same database), so the batch was sealed again and resent (outbox-write.ts).
   */
  conflicts_total: number;
  /** Batches written under the head's lock after losing the optimistic attempts. */
  locked_total: number;
}

export interface OutboxAudit extends AuditPort {
  stats(): OutboxStats;
}

interface Pending {
  entry: AuditEntry;
  events: PreparedEvent[];
  resolve(): void;
  reject(err: unknown): void;
}

/** What the writer's functions share: the queue, the one flush running, and the counters. */
interface Outbox {
  readonly chain: ChainWriter;
  readonly log: Logger;
  readonly maxBatch: number;
  readonly stats: OutboxStats;
  queue: Pending[];
  running: Promise<void> | undefined;
  closed: boolean;
}

export function createOutboxAudit(opts: OutboxAuditOptions): OutboxAudit {
  const { source } = opts;
  const o: Outbox = {
    chain: createChainWriter(opts.db),
    log: opts.log,
    maxBatch: opts.maxBatch ?? 256,
    stats: {
      committed_total: 0,
      failed_total: 0,
      flushes_total: 0,
      max_batch: 0,
      conflicts_total: 0,
      locked_total: 0,
    },
    queue: [],
    running: undefined,
    closed: false,
  };
  return {
    commit(entry) {
      if (o.closed) return Promise.reject(new Error('audit outbox is closed'));
      let events: PreparedEvent[];
      try {
        // Validated before batching: a record that would fail its INSERT fails alone, here.
        if (entry.issued !== undefined) checkIssuedRecord(entry.issued);
        // Built, masked and canonicalized here, outside the chain-head lock.
        events = prepareEvents(entry, source);
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise<void>((resolve, reject) => {
        o.queue.push({ entry, events, resolve, reject });
        kick(o);
      });
    },
    async close() {
      o.closed = true;
      while (o.running) await o.running;
    },
    stats: () => {
      const chain = o.chain.stats();
      return { ...o.stats, conflicts_total: chain.conflicts, locked_total: chain.locked };
    },
  };
}

/** Starts the one flush of this process, unless it is running. */
function kick(o: Outbox): void {
  if (o.running) return;
  o.running = flushLoop(o).finally(() => {
    o.running = undefined;
    // Entries queued while the last flush was finishing.
    if (o.queue.length > 0) kick(o);
  });
}

async function flushLoop(o: Outbox): Promise<void> {
  // Yield one turn so that requests arriving together share the first transaction too.
  await new Promise<void>((r) => setImmediate(r));
  while (o.queue.length > 0) {
    const batch = o.queue.slice(0, o.maxBatch);
    o.queue = o.queue.slice(batch.length);
    await flush(o, batch);
  }
}

async function flush(o: Outbox, batch: Pending[]): Promise<void> {
  try {
    await write(o, batch);
    settle(o, batch, undefined);
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      // The database cannot take writes now (timed out, lost, read-only): retrying entry by entry
      // would make every waiter wait once per entry, and a COMMIT whose answer was lost may have
      // committed. Fail this batch and everything that queued behind it, at once (503).
      const waiting = o.queue;
      o.queue = [];
      settle(o, [...batch, ...waiting], err);
      return;
    }
    if (batch.length === 1) {
      settle(o, batch, err);
      return;
    }
    o.log.warn('audit: batch commit failed, retrying entries one by one', {
      entries: batch.length,
      error: err instanceof Error ? err.message : String(err),
    });
    await writeEach(o, batch);
  }
}

/** One transaction per entry, so that a bad entry is refused alone. */
async function writeEach(o: Outbox, batch: Pending[]): Promise<void> {
  for (const p of batch) {
    try {
      await write(o, [p]);
      settle(o, [p], undefined);
    } catch (e) {
      settle(o, [p], e);
    }
  }
}

async function write(o: Outbox, batch: Pending[]): Promise<void> {
  await o.chain.write(
    batch.flatMap((p) => (p.entry.issued ? [p.entry.issued] : [])),
    batch.flatMap((p) => p.events),
  );
  o.stats.flushes_total++;
  o.stats.max_batch = Math.max(o.stats.max_batch, batch.length);
}

function settle(o: Outbox, batch: Pending[], err: unknown): void {
  for (const p of batch) {
    if (err === undefined) {
      o.stats.committed_total++;
      p.resolve();
    } else {
      o.stats.failed_total++;
      p.reject(err);
    }
  }
}

/** As `buildEvents`, each prepared for sealing (chain.ts), canonicalized as it was masked. */
export function prepareEvents(entry: AuditEntry, source: string, time: Date = new Date()): PreparedEvent[] {
  const events: PreparedEvent[] = [];
  if (entry.decision) events.push(decisionEventPrepared(entry.decision, source, time, entry.trace));
  for (const t of entry.tokens) events.push(tokenEventPrepared(t, source, time));
  return events;
}

/** One entry's events, in chain order: the decision first, then its token events. */
export function buildEvents(entry: AuditEntry, source: string, time: Date = new Date()): UnsealedEvent[] {
  return prepareEvents(entry, source, time).map((p) => p.event);
}

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
import { decisionEventPrepared, tokenEventPrepared } from './build.js';
import type { PreparedEvent } from './chain.js';
import { createChainWriter } from './outbox-write.js';

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

export function createOutboxAudit(opts: OutboxAuditOptions): OutboxAudit {
  const { db, source, log } = opts;
  const maxBatch = opts.maxBatch ?? 256;
  let queue: Pending[] = [];
  let running: Promise<void> | undefined;
  let closed = false;
  const stats: OutboxStats = { committed_total: 0, failed_total: 0, flushes_total: 0, max_batch: 0 };
  const chain = createChainWriter(db);

  const flushLoop = async (): Promise<void> => {
    // Yield one turn so that requests arriving together share the first transaction too.
    await new Promise<void>((r) => setImmediate(r));
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      await flush(batch);
    }
  };

  const flush = async (batch: Pending[]): Promise<void> => {
    try {
      await write(batch);
      settle(batch, undefined);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        // The database cannot take writes now (timed out, lost, read-only): retrying entry by entry
        // would make every waiter wait once per entry, and a COMMIT whose answer was lost may have
        // committed. Fail this batch and everything that queued behind it, at once (503).
        const waiting = queue;
        queue = [];
        settle([...batch, ...waiting], err);
        return;
      }
      if (batch.length === 1) {
        settle(batch, err);
        return;
      }
      log.warn('audit: batch commit failed, retrying entries one by one', {
        entries: batch.length,
        error: err instanceof Error ? err.message : String(err),
      });
      for (const p of batch) {
        try {
          await write([p]);
          settle([p], undefined);
        } catch (e) {
          settle([p], e);
        }
      }
    }
  };

  const write = async (batch: Pending[]): Promise<void> => {
    await chain.write(
      batch.flatMap((p) => (p.entry.issued ? [p.entry.issued] : [])),
      batch.flatMap((p) => p.events),
    );
    stats.flushes_total++;
    stats.max_batch = Math.max(stats.max_batch, batch.length);
  };

  const settle = (batch: Pending[], err: unknown): void => {
    for (const p of batch) {
      if (err === undefined) {
        stats.committed_total++;
        p.resolve();
      } else {
        stats.failed_total++;
        p.reject(err);
      }
    }
  };

  const kick = (): void => {
    if (running) return;
    running = flushLoop().finally(() => {
      running = undefined;
      // Entries queued while the last flush was finishing.
      if (queue.length > 0) kick();
    });
  };

  return {
    commit(entry) {
      if (closed) return Promise.reject(new Error('audit outbox is closed'));
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
        queue.push({ entry, events, resolve, reject });
        kick();
      });
    },
    async close() {
      closed = true;
      while (running) await running;
    },
    stats: () => ({ ...stats }),
  };
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

/**
 * The transactional outbox (design.md "Audit and decision stream"): an entry's issuance record and
 * its events are written in one Postgres transaction, so no token exists without its event and no
 * event without its token. The caller sends the token only after `commit` resolves.
 *
 * `commit` validates the issuance record and builds, masks and canonicalizes the entry's events
 * (outside the chain-head lock), then hands them to the process's group commit (group-commit.ts),
 * which writes them with the chain writer (outbox-write.ts: one statement per batch) or, in a
 * cluster worker, through the cluster's one writer in the primary (cluster-writer.ts).
 */
import type { Db } from '../store/db.js';
import { checkIssuedRecord } from '../store/tokens.js';
import type { Logger } from '../log.js';
import type { AuditEntry, AuditPort } from './port.js';
import type { UnsealedEvent } from './events.js';
import { decisionEventPrepared, tokenEventPrepared } from './build-events.js';
import type { PreparedEvent } from './chain.js';
import { createGroupCommit, type BatchWriter, type GroupCommitStats } from './group-commit.js';
import { createChainWriter } from './outbox-write.js';

export type OutboxAuditOptions = {
  /** CloudEvents `source`: the Mandate issuer URL. */
  source: string;
  log: Logger;
  /** Most entries written in one transaction (default 256). */
  maxBatch?: number;
} & (
  | { db: Db; writer?: undefined }
  /**
   * Where batches go instead of this process's own chain writer: a cluster worker's primary, which
   * orders them itself, so up to `maxInFlight` (default 4) are sent before the first is answered.
   */
  | { writer: BatchWriter; db?: undefined; maxInFlight?: number }
);

export type OutboxStats = GroupCommitStats;

/**
 * A cluster worker's batches in flight to the primary: two keep the primary's queue fed while its
 * statement runs (one being written, the next waiting in its queue); a few more absorb bursts.
 */
const WORKER_IN_FLIGHT = 4;

export interface OutboxAudit extends AuditPort {
  stats(): OutboxStats;
}

export function createOutboxAudit(opts: OutboxAuditOptions): OutboxAudit {
  const { source } = opts;
  const group =
    opts.writer === undefined
      ? createGroupCommit(createChainWriter(opts.db), opts.log, { maxBatch: opts.maxBatch })
      : createGroupCommit(opts.writer, opts.log, {
          maxBatch: opts.maxBatch,
          maxInFlight: opts.maxInFlight ?? WORKER_IN_FLIGHT,
        });
  return {
    async commit(entry) {
      // Validated before batching: a record that would fail its INSERT fails alone, here.
      if (entry.issued !== undefined) checkIssuedRecord(entry.issued);
      const events = prepareEvents(entry, source);
      await group.submit({ issued: entry.issued ? [entry.issued] : [], events });
    },
    close: () => group.close(),
    stats: () => group.stats(),
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

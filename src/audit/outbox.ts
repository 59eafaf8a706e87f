/**
 * The transactional outbox (design.md "Audit and decision stream"): an entry's issuance record and
 * its events are written in one Postgres transaction, so no token exists without its event and no
 * event without its token. The caller sends the token only after `commit` resolves.
 *
 * Group commit: every writer must lock the one chain-head row to extend the hash chain, so one
 * transaction per request would serialize all requests (of every instance) on a commit's fsync.
 * Instead `commit` queues the entry and one writer per process flushes everything waiting in ONE
 * transaction (lock head, insert tokens and events with consecutive sequences, move head), then
 * settles every waiter. Under load the batch grows by itself; idle, an entry waits one event-loop
 * turn. An issuance record no column can hold is refused before it is queued; if a batch fails
 * anyway, its entries are retried one transaction each, so a bad entry (say a duplicate jti) is
 * refused alone and its neighbours still commit; nothing is half-written.
 */
import type { Db, Queryable } from '../store/db.js';
import { isDatabaseUnavailable } from '../store/errors.js';
import { checkIssuedRecord, insertIssuedTokens } from '../store/tokens.js';
import type { Logger } from '../log.js';
import type { AuditEntry, AuditPort } from './port.js';
import type { UnsealedEvent } from './events.js';
import { eventSubject } from './events.js';
import { decisionEvent, tokenEvent } from './build.js';
import type { PreparedEvent, SealedEvent } from './chain.js';
import { prepare, sealPrepared } from './chain.js';

/** The channel the outbox NOTIFYs after a commit; the relay LISTENs on it. */
export const OUTBOX_CHANNEL = 'mandate_outbox';

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
      await write(db, batch);
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
          await write(db, [p]);
          settle([p], undefined);
        } catch (e) {
          settle([p], e);
        }
      }
    }
  };

  const write = async (d: Db, batch: Pending[]): Promise<void> => {
    await d.tx((q) =>
      writeBatch(
        q,
        batch.map((p) => p.entry),
        batch.map((p) => p.events),
      ),
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
        events = buildEvents(entry, source).map(prepare);
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

/** One entry's events, in chain order: the decision first, then its token events. */
export function buildEvents(entry: AuditEntry, source: string, time: Date = new Date()): UnsealedEvent[] {
  const events: UnsealedEvent[] = [];
  if (entry.decision) events.push(decisionEvent(entry.decision, source, time));
  for (const t of entry.tokens) events.push(tokenEvent(t, source, time));
  return events;
}

interface Head {
  sequence: number;
  hash: string;
}

/**
 * Writes entries inside the caller's transaction: inserts each issuance record, then locks the
 * chain head (as late as possible: every writer of every instance waits for it), inserts every
 * event with consecutive sequences, moves the head and NOTIFYs the relay (Postgres delivers the
 * notification only if the transaction commits).
 */
export async function writeBatch(
  q: Queryable,
  entries: AuditEntry[],
  events: PreparedEvent[][],
): Promise<SealedEvent[]> {
  await insertIssuedTokens(
    q,
    entries.flatMap((e) => (e.issued ? [e.issued] : [])),
  );
  const head = await q.query<Head>('SELECT sequence, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE');
  const h = head.rows[0];
  if (!h) throw new Error('audit chain head is missing (migration 002_audit not applied?)');
  let sequence = Number(h.sequence);
  let prev = h.hash;
  const sealed: SealedEvent[] = [];
  for (const e of events.flat()) {
    const s = sealPrepared(e, ++sequence, prev);
    prev = s.event.hash;
    sealed.push(s);
  }
  if (sealed.length === 0) return sealed;
  // Column arrays: one statement whatever the batch size, cheap for Postgres to parse.
  await q.query(
    `INSERT INTO outbox (sequence, id, subject, event, prev_hash, hash)
     SELECT s, i, sub, e::json, p, h
       FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) AS r(s, i, sub, e, p, h)`,
    [
      sealed.map((s) => Number(s.event.sequence)),
      sealed.map((s) => s.event.id),
      sealed.map((s) => eventSubject(s.event)),
      sealed.map((s) => s.text),
      sealed.map((s) => s.event.prevhash),
      sealed.map((s) => s.event.hash),
    ],
  );
  await q.query('UPDATE audit_chain_head SET sequence = $1, hash = $2 WHERE id = 1', [sequence, prev]);
  await q.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, String(sequence)]);
  return sealed;
}

/**
 * The outbox relay (design.md "Audit and decision stream"): claims unpublished outbox rows in
 * sequence order with `FOR UPDATE SKIP LOCKED` (several instances relay at once, each row goes to
 * one of them), delivers them to JetStream (or to a JSON-lines file when no NATS is configured),
 * and marks them published in the same transaction, after the ack. A failed delivery rolls the
 * claim back: the rows stay in the outbox and the relay backs off exponentially. NATS being down
 * delays events; it never loses them.
 *
 * It wakes on the outbox's NOTIFY and also polls, since a notification can be lost (LISTEN
 * connection dropped) and the relay must still catch up.
 */
import type { Db } from '../store/db.js';
import type { Logger } from '../log.js';
import { OUTBOX_CHANNEL } from './outbox.js';
import type { RelayRow, Sink } from './sink.js';
import { createFileSink } from './file-sink.js';
import { createJetStreamSink } from './jetstream-sink.js';
import type { AuditStreamOptions } from './stream.js';
import { DEFAULT_DUPLICATE_WINDOW_SECONDS } from './stream.js';

export interface RelayNatsOptions extends Omit<AuditStreamOptions, 'name'> {
  /** Comma-separated NATS server URLs. */
  servers: string;
  /** Stream name (default AUTHZ_AUDIT). */
  stream?: string;
  publishTimeoutMs?: number;
}

export interface RelayOptions {
  db: Db;
  nats?: RelayNatsOptions | undefined;
  /** JSON-lines file written when `nats` is not set (e.g. `<data dir>/audit.jsonl`). */
  file?: string;
  log: Logger;
  /** Rows claimed per transaction (default 256). */
  batchSize?: number;
  /** Polling interval when no notification arrives, in milliseconds (default 1000). */
  pollMs?: number;
  /** Longest back-off between failed deliveries, in milliseconds (default 30000). */
  maxBackoffMs?: number;
}

export interface RelayStats {
  sink: 'jetstream' | 'file';
  /** Rows not yet published. */
  pending: number;
  /** Age of the oldest unpublished row, in seconds (0 when none). */
  lag_seconds: number;
  published_total: number;
  /** Rows the stream already had (a re-send after a lost ack or a crash). */
  duplicates_total: number;
  last_error?: string;
}

export interface Relay {
  start(): void;
  stop(): Promise<void>;
  stats(): RelayStats;
}

const MIN_BACKOFF_MS = 100;
/** Longest wait after a partial batch when more rows were already announced. */
const COALESCE_MS = 20;
/** How often pending and lag are recounted while busy. */
const STATS_MS = 250;

export function createRelay(opts: RelayOptions): Relay {
  const { db, log } = opts;
  const batchSize = opts.batchSize ?? 256;
  const pollMs = opts.pollMs ?? 1_000;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  const sink = makeSink(opts, maxBackoffMs);
  const stats: RelayStats = {
    sink: sink.kind,
    pending: 0,
    lag_seconds: 0,
    published_total: 0,
    duplicates_total: 0,
  };

  let running = false;
  let loop: Promise<void> | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let notified = false;
  let interrupt: (() => void) | undefined;

  const sleep = (ms: number, onNotify: boolean): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      interrupt = () => {
        if (!running || (onNotify && notified)) done();
      };
    });

  const relayBatch = async (): Promise<number> =>
    db.tx(async (q) => {
      const res = await q.query<RelayRow>(
        `SELECT sequence, id, subject, event::text AS body FROM outbox WHERE published_at IS NULL
          ORDER BY sequence LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (res.rows.length === 0) return 0;
      const rows = res.rows.map((r) => ({ ...r, sequence: Number(r.sequence) }));
      const { duplicates } = await sink.publish(rows);
      await q.query('UPDATE outbox SET published_at = now() WHERE sequence = ANY($1::bigint[])', [
        rows.map((r) => r.sequence),
      ]);
      stats.duplicates_total += duplicates;
      return rows.length;
    });

  const refreshStats = async (): Promise<void> => {
    const res = await db.query<{ pending: number; lag: number }>(
      `SELECT count(*)::int AS pending,
              COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8 AS lag
         FROM outbox WHERE published_at IS NULL`,
    );
    const r = res.rows[0];
    stats.pending = r?.pending ?? 0;
    stats.lag_seconds = r?.lag ?? 0;
  };

  const run = async (): Promise<void> => {
    let failures = 0;
    let statsAt = 0;
    while (running) {
      try {
        notified = false;
        const n = await relayBatch();
        stats.published_total += n;
        if (failures > 0) log.info('audit relay: delivering again', { after_failures: failures });
        failures = 0;
        delete stats.last_error;
        // Lag and pending are counted when the outbox looks drained, and otherwise at most every
        // STATS_MS: under load a count per batch would be one more query per relay transaction.
        if ((n < batchSize && !notified) || Date.now() - statsAt > STATS_MS) {
          await refreshStats();
          statsAt = Date.now();
        }
        if (n < batchSize) {
          // Coalesce: under load every group commit NOTIFYs; waiting a few milliseconds lets one
          // relay transaction carry many of them (lag grows by at most COALESCE_MS).
          if (notified) await sleep(COALESCE_MS, false);
          else await sleep(pollMs, true);
        }
      } catch (err) {
        failures++;
        stats.last_error = err instanceof Error ? err.message : String(err);
        const wait = Math.min(maxBackoffMs, MIN_BACKOFF_MS * 2 ** Math.min(failures - 1, 20));
        // Jitter so that instances that failed together do not retry in lockstep.
        const jittered = Math.round(wait * (0.75 + Math.random() * 0.25));
        if (failures === 1 || failures % 10 === 0) {
          log.warn('audit relay: delivery failed, backing off', {
            error: stats.last_error,
            retry_ms: jittered,
          });
        }
        await refreshStats().catch(() => undefined);
        await sleep(jittered, false);
      }
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      db.listen(OUTBOX_CHANNEL, () => {
        notified = true;
        interrupt?.();
      }).then(
        (stop) => {
          if (running) unlisten = stop;
          else void stop();
        },
        (err: Error) => log.warn('audit relay: LISTEN failed, polling only', { error: err.message }),
      );
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      interrupt?.();
      await loop;
      await unlisten?.();
      unlisten = undefined;
      await sink.close();
    },
    stats: () => ({ ...stats }),
  };
}

function makeSink(opts: RelayOptions, maxBackoffMs: number): Sink {
  if (opts.nats) {
    const { servers, stream, ...rest } = opts.nats;
    const windowMs = (rest.duplicateWindowSeconds ?? DEFAULT_DUPLICATE_WINDOW_SECONDS) * 1000;
    const timeoutMs = rest.publishTimeoutMs ?? 5_000;
    // A re-send must fall inside the duplicate window or the stream would store the event twice.
    if (windowMs <= maxBackoffMs + timeoutMs) {
      throw new Error(
        `audit: the stream's duplicate window (${windowMs} ms) must exceed the relay's longest retry (${maxBackoffMs + timeoutMs} ms)`,
      );
    }
    return createJetStreamSink({ servers, ...(stream ? { name: stream } : {}), ...rest, log: opts.log });
  }
  if (opts.file) return createFileSink(opts.file);
  throw new Error('audit relay: configure NATS (NATS_URL) or a file to write events to');
}

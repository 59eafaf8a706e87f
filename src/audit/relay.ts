/**
 * The outbox relay (design.md "Audit and decision stream", docs/audit.md "Relay"): delivers outbox
 * rows to JetStream (or to a JSON-lines file when no NATS is configured) strictly in sequence
 * order, by high-water mark: one row of `audit_relay` per destination says up to which event it
 * holds the chain and where it then ends. Each batch is one transaction that locks that row (so
 * one relay of all instances appends at a time; the others wait their turn), reads the events
 * after the mark, appends them where the destination is expected to end, and moves the mark once.
 * A failed delivery rolls back: the mark stays and the relay backs off. NATS being down delays
 * events; it never loses them.
 *
 * Forks: the relay appends only what continues what the destination already holds. At start, after
 * any failure, and every `checkMs` while idle, it reads the destination's last event and looks it
 * up in the database; every batch checks that the database still holds the marked event with the
 * same hash, and appends with an expected position, so nothing lands after an event the relay did
 * not check. When the database's chain no longer continues the published one (a failover to a
 * standby that lacked committed events, a database restored from a backup, two deployments on one
 * stream), the relay stops, logs an error, reports the fork in `stats()` (and so on /readyz) and
 * calls `onAlarm`; docs/audit.md says what an operator does then.
 *
 * It wakes on the outbox's NOTIFY and also polls, since a notification can be lost.
 */
import type { Db, Queryable } from '../store/db.js';
import type { Logger } from '../log.js';
import { GENESIS_HASH } from './chain.js';
import { OUTBOX_CHANNEL } from './outbox-write.js';
import type { RelayRow, Sink, SinkTail } from './sink.js';
import { ForeignTailError, SinkConflictError } from './sink.js';
import { createFileSink } from './file-sink.js';
import type { NatsClientOptions } from './jetstream-sink.js';
import { createJetStreamSink } from './jetstream-sink.js';
import type { AuditStreamOptions } from './stream.js';

export interface RelayNatsOptions extends Omit<AuditStreamOptions, 'name'>, NatsClientOptions {
  /** Comma-separated NATS server URLs. */
  servers: string;
  /** Stream name (default AUTHZ_AUDIT). */
  stream?: string;
}

export interface RelayOptions {
  db: Db;
  nats?: RelayNatsOptions | undefined;
  /** JSON-lines file written when `nats` is not set (e.g. `<data dir>/audit.jsonl`). */
  file?: string;
  log: Logger;
  /** Events appended per transaction (default 256). */
  batchSize?: number;
  /** Polling interval when no notification arrives, in milliseconds (default 1000). */
  pollMs?: number;
  /** Longest back-off between failed deliveries, in milliseconds (default 5000). */
  maxBackoffMs?: number;
  /** While idle, how often the destination's last event is checked again (default 5000). */
  checkMs?: number;
  /** Longest `status()` waits for the database, in milliseconds (default 2000). */
  statusTimeoutMs?: number;
  /** Called once when the relay stops on a fork (page someone; metrics read `stats()`). */
  onAlarm?: (fork: RelayFork) => void;
}

/** The database's chain no longer continues what the destination holds. */
export interface RelayFork {
  /** The sequence at which the relay found the two disagree. */
  sequence: number;
  detail: string;
  detected_at: string;
}

export type RelayState = 'starting' | 'relaying' | 'failing' | 'forked' | 'stopped';

export interface RelayStats {
  sink: 'jetstream' | 'file';
  /** `stream:<name>` or `file:<path>`. */
  target: string;
  state: RelayState;
  /** Events this process appended. */
  published_total: number;
  /** Times the destination did not end where expected and its tail was read again. */
  conflicts_total: number;
  /** Deliveries that failed (destination down, refusing, or not where expected); each is retried. */
  errors_total: number;
  last_error?: string;
  fork?: RelayFork;
}

/** `stats()` with the backlog as the database says it is now. */
export interface RelayStatus extends RelayStats {
  /** Last sequence the destination holds (by the mark; -1 before the first delivery). */
  published_sequence?: number;
  /** Events committed and not yet delivered. */
  pending?: number;
  /** Age of the oldest event not yet delivered, in seconds (0 when none). */
  lag_seconds?: number;
  /** Why pending and lag are missing (the database did not answer). */
  status_error?: string;
}

export interface Relay {
  start(): void;
  stop(): Promise<void>;
  stats(): RelayStats;
  status(): Promise<RelayStatus>;
}

const MIN_BACKOFF_MS = 100;
/** Longest wait after a partial batch when more rows were already announced. */
const COALESCE_MS = 20;
/** A mark no delivery has set yet. */
const NEVER = -1;

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

class ForkDetected extends Error {
  constructor(
    readonly sequence: number,
    detail: string,
  ) {
    super(detail);
  }
}

export function createRelay(opts: RelayOptions): Relay {
  const { db, log } = opts;
  const batchSize = opts.batchSize ?? 256;
  const pollMs = opts.pollMs ?? 1_000;
  const maxBackoffMs = opts.maxBackoffMs ?? 5_000;
  const checkMs = opts.checkMs ?? 5_000;
  const statusTimeoutMs = opts.statusTimeoutMs ?? 2_000;
  const sink = makeSink(opts);
  const stats: RelayStats = {
    sink: sink.kind,
    target: sink.target,
    state: 'starting',
    published_total: 0,
    conflicts_total: 0,
    errors_total: 0,
  };

  let running = false;
  let loop: Promise<void> | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let notified = false;
  let interrupt: (() => void) | undefined;
  /** The destination's tail was checked against the database since the last failure. */
  let synced = false;
  let checkedAt = 0;
  let stateRow = false;

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

  const where = sink.kind === 'jetstream' ? `stream ${sink.target.slice(7)}` : sink.target.slice(5);

  /**
   * Where to continue, from what the destination holds last: its last event must be the
   * database's event of that sequence; a destination with nothing to check against continues
   * from the mark, or, new, receives the outbox from its first row.
   */
  const locate = async (q: Queryable, tail: SinkTail, mark: Mark): Promise<Mark> => {
    if (tail.last !== undefined) {
      const { sequence, hash } = tail.last;
      const row = await q.query<{ hash: string }>('SELECT hash FROM outbox WHERE sequence = $1', [sequence]);
      const ours = row.rows[0]?.hash;
      if (ours === hash) return { sequence, hash, position: tail.position };
      if (ours !== undefined)
        throw new ForkDetected(
          sequence,
          `${where} holds event ${sequence} with hash ${hash.slice(0, 16)}…, but the database's event ${sequence} has hash ${ours.slice(0, 16)}…: the database's chain is not the one published`,
        );
      const head = await q.query<{ sequence: number }>('SELECT sequence FROM audit_chain_head WHERE id = 1');
      throw new ForkDetected(
        sequence,
        `${where} holds events up to ${sequence}, but the database's chain ends at ${Number(head.rows[0]?.sequence ?? 0)}: the database lost events that were already published (a failover to a standby that had not received them, or a restored backup)`,
      );
    }
    if (mark.sequence !== NEVER) return { ...mark, position: tail.position };
    const first = await q.query<{ sequence: number; prev_hash: string }>(
      'SELECT sequence, prev_hash FROM outbox ORDER BY sequence LIMIT 1',
    );
    const f = first.rows[0];
    return f === undefined
      ? { sequence: 0, hash: GENESIS_HASH, position: tail.position, start: true }
      : { sequence: Number(f.sequence) - 1, hash: f.prev_hash, position: tail.position, start: true };
  };

  /** One transaction: lock the mark, check, append what follows it, move the mark. */
  const relayBatch = async (check: boolean): Promise<number | 'busy'> =>
    db.tx(async (q) => {
      const st = await q.query<Mark>(
        'SELECT sequence, hash, position FROM audit_relay WHERE target = $1 FOR UPDATE SKIP LOCKED',
        [sink.target],
      );
      const locked = st.rows[0];
      if (locked === undefined) return 'busy';
      const stored: Mark = {
        sequence: Number(locked.sequence),
        hash: locked.hash,
        position: Number(locked.position),
      };
      let mark = stored;
      // Until its first delivery a destination has no mark: where to start is read each time.
      if (!synced || check || stored.sequence === NEVER) {
        mark = await locate(q, await sink.tail(), stored);
        synced = true;
        checkedAt = Date.now();
      }
      const res = await q.query<OutboxRow>(
        `SELECT sequence, id, subject, event::text AS body, prev_hash, hash FROM outbox
          WHERE sequence >= $1 ORDER BY sequence LIMIT $2`,
        [mark.sequence, batchSize + 1],
      );
      let rows = res.rows.map((r) => ({ ...r, sequence: Number(r.sequence) }));
      if (mark.start === undefined) {
        // The marked event must still be the database's: after a failover it may be gone or other.
        const m = rows[0];
        if (m?.sequence !== mark.sequence || m.hash !== mark.hash) {
          synced = false;
          const head = await q.query<{ sequence: number }>(
            'SELECT sequence FROM audit_chain_head WHERE id = 1',
          );
          throw new ForkDetected(
            mark.sequence,
            m?.sequence !== mark.sequence
              ? `${where} holds events up to ${mark.sequence}, but the database's chain ends at ${Number(head.rows[0]?.sequence ?? 0)}: the database lost events that were already published (a failover to a standby that had not received them, or a restored backup)`
              : `${where} holds event ${mark.sequence} with hash ${mark.hash.slice(0, 16)}…, but the database's event ${mark.sequence} has hash ${m.hash.slice(0, 16)}…: the database's chain is not the one published`,
          );
        }
        rows = rows.slice(1);
      }
      rows = rows.slice(0, batchSize);
      const first = rows[0];
      if (first !== undefined && first.prev_hash !== mark.hash)
        throw new ForkDetected(
          first.sequence,
          `the database's event ${first.sequence} does not follow event ${mark.sequence} of ${where} (prevhash differs)`,
        );
      let next = mark;
      if (first !== undefined) {
        const last = rows[rows.length - 1]!;
        next = { sequence: last.sequence, hash: last.hash, position: await sink.append(rows, mark.position) };
        stats.published_total += rows.length;
      }
      const moved =
        next.sequence !== stored.sequence || next.position !== stored.position || next.hash !== stored.hash;
      if (moved && next.start === undefined)
        await q.query(
          'UPDATE audit_relay SET sequence = $2, hash = $3, position = $4, updated_at = now() WHERE target = $1',
          [sink.target, next.sequence, next.hash, next.position],
        );
      return rows.length;
    });

  const halt = (err: ForkDetected): void => {
    const fork: RelayFork = {
      sequence: err.sequence,
      detail: err.message,
      detected_at: new Date().toISOString(),
    };
    stats.state = 'forked';
    stats.fork = fork;
    log.error('audit relay: STOPPED: the database no longer continues the published audit chain', {
      target: sink.target,
      sequence: fork.sequence,
      detail: fork.detail,
      runbook: 'docs/audit.md#forks',
    });
    try {
      opts.onAlarm?.(fork);
    } catch (e) {
      log.error('audit relay: alarm hook failed', { error: String(e) });
    }
  };

  const run = async (): Promise<void> => {
    let failures = 0;
    while (running) {
      try {
        notified = false;
        // Outside the transaction: a NATS that is down must not hold a database connection.
        await sink.open();
        if (!stateRow) {
          await db.query(
            `INSERT INTO audit_relay (target, sequence, hash, position) VALUES ($1, ${NEVER}, '', ${NEVER})
             ON CONFLICT (target) DO NOTHING`,
            [sink.target],
          );
          stateRow = true;
        }
        const n = await relayBatch(Date.now() - checkedAt >= checkMs);
        if (failures > 0) log.info('audit relay: delivering again', { after_failures: failures });
        failures = 0;
        stats.state = 'relaying';
        delete stats.last_error;
        if (n === 'busy') {
          // Another instance is relaying: look again later, not on every notification.
          await sleep(pollMs, false);
          continue;
        }
        if (n < batchSize) {
          // Coalesce: under load every group commit NOTIFYs; waiting a few milliseconds lets one
          // relay transaction carry many of them.
          if (notified) await sleep(COALESCE_MS, false);
          else await sleep(Math.min(pollMs, checkMs), true);
        }
      } catch (err) {
        synced = false;
        if (err instanceof ForkDetected) {
          halt(err);
          return;
        }
        if (err instanceof ForeignTailError) {
          halt(
            new ForkDetected(0, `${err.message}: the destination holds something the relay did not write`),
          );
          return;
        }
        stats.last_error = err instanceof Error ? err.message : String(err);
        stats.errors_total++;
        if (err instanceof SinkConflictError) {
          // Someone appended (a relay whose mark was lost, an old relay): read the tail again now.
          stats.conflicts_total++;
          log.warn('audit relay: the destination moved; checking its last event again', {
            error: stats.last_error,
          });
          if (stats.conflicts_total % 10 !== 0) continue;
        }
        failures++;
        stats.state = 'failing';
        const wait = Math.min(maxBackoffMs, MIN_BACKOFF_MS * 2 ** Math.min(failures - 1, 20));
        // Jitter so that instances that failed together do not retry in lockstep.
        const jittered = Math.round(wait * (0.75 + Math.random() * 0.25));
        if (failures === 1 || failures % 10 === 0) {
          log.warn('audit relay: delivery failed, backing off', {
            error: stats.last_error,
            retry_ms: jittered,
          });
        }
        await sleep(jittered, false);
      }
    }
  };

  const status = async (): Promise<RelayStatus> => {
    const query = db.query<{ head: number; published: number; lag: number | null }>(
      `SELECT h.sequence AS head, COALESCE(r.sequence, ${NEVER}) AS published,
              (SELECT extract(epoch FROM now() - o.created_at)::float8 FROM outbox o
                WHERE o.sequence = GREATEST(COALESCE(r.sequence, 0), 0) + 1) AS lag
         FROM audit_chain_head h LEFT JOIN audit_relay r ON r.target = $1
        WHERE h.id = 1`,
      [sink.target],
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${statusTimeoutMs} ms`)), statusTimeoutMs);
    });
    try {
      const r = (await Promise.race([query, timeout])).rows[0];
      const head = Number(r?.head ?? 0);
      const published = Number(r?.published ?? NEVER);
      return {
        ...stats,
        published_sequence: published,
        pending: Math.max(0, head - Math.max(published, 0)),
        lag_seconds: Math.max(0, r?.lag ?? 0),
      };
    } catch (err) {
      query.catch(() => undefined);
      return { ...stats, status_error: `database: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      clearTimeout(timer);
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
      if (stats.state !== 'forked') stats.state = 'stopped';
    },
    stats: () => ({ ...stats }),
    status,
  };
}

function makeSink(opts: RelayOptions): Sink {
  if (opts.nats) {
    const { servers, stream, ...rest } = opts.nats;
    return createJetStreamSink({ servers, ...(stream ? { name: stream } : {}), ...rest, log: opts.log });
  }
  if (opts.file) return createFileSink(opts.file, opts.log);
  throw new Error('audit relay: configure NATS (NATS_URL) or a file to write events to');
}

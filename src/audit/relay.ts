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
import type { Db } from '../store/db.js';
import type { Logger } from '../log.js';
import { OUTBOX_CHANNEL } from './outbox-write.js';
import type { Sink } from './sink.js';
import { ForeignTailError, SinkConflictError } from './sink.js';
import { createFileSink } from './file-sink.js';
import type { NatsClientOptions } from './jetstream-sink.js';
import { createJetStreamSink } from './jetstream-sink.js';
import { ForkDetected, NEVER, relayBatch, type RelayBatchState } from './relay-batch.js';
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
  /**
   * Whether the relay wakes on the outbox's NOTIFY (default true). A standby relay (a cluster
   * worker other than the first, wiring/audit.ts) only polls: the relay that listens delivers
   * each commit at once, and the standby, which would otherwise wake and contend for the mark on
   * every commit, takes over within `pollMs` if that one is gone.
   */
  listen?: boolean;
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

/** What the relay's functions share: its settings, its sink, its counters and its loop's state. */
interface RelayLoop extends RelayBatchState {
  readonly log: Logger;
  readonly pollMs: number;
  readonly maxBackoffMs: number;
  readonly checkMs: number;
  readonly statusTimeoutMs: number;
  readonly onAlarm: ((fork: RelayFork) => void) | undefined;
  readonly stats: RelayStats;
  running: boolean;
  loop: Promise<void> | undefined;
  unlisten: (() => Promise<void>) | undefined;
  notified: boolean;
  interrupt: (() => void) | undefined;
  stateRow: boolean;
}

export function createRelay(opts: RelayOptions): Relay {
  const r = relayLoop(opts);
  return {
    start() {
      if (r.running) return;
      r.running = true;
      if (opts.listen !== false) listen(r);
      r.loop = run(r);
    },
    async stop() {
      if (!r.running) return;
      r.running = false;
      r.interrupt?.();
      await r.loop;
      await r.unlisten?.();
      r.unlisten = undefined;
      await r.sink.close();
      if (r.stats.state !== 'forked') r.stats.state = 'stopped';
    },
    stats: () => ({ ...r.stats }),
    status: () => status(r),
  };
}

function relayLoop(opts: RelayOptions): RelayLoop {
  const sink = makeSink(opts);
  return {
    db: opts.db,
    log: opts.log,
    sink,
    where: sink.kind === 'jetstream' ? `stream ${sink.target.slice(7)}` : sink.target.slice(5),
    batchSize: opts.batchSize ?? 256,
    pollMs: opts.pollMs ?? 1_000,
    maxBackoffMs: opts.maxBackoffMs ?? 5_000,
    checkMs: opts.checkMs ?? 5_000,
    statusTimeoutMs: opts.statusTimeoutMs ?? 2_000,
    onAlarm: opts.onAlarm,
    stats: {
      sink: sink.kind,
      target: sink.target,
      state: 'starting',
      published_total: 0,
      conflicts_total: 0,
      errors_total: 0,
    },
    running: false,
    loop: undefined,
    unlisten: undefined,
    notified: false,
    interrupt: undefined,
    synced: false,
    checkedAt: 0,
    stateRow: false,
  };
}

/** Wakes the relay on the outbox's NOTIFY (a notification can be lost: it polls as well). */
function listen(r: RelayLoop): void {
  r.db
    .listen(OUTBOX_CHANNEL, () => {
      r.notified = true;
      r.interrupt?.();
    })
    .then(
      (stop) => {
        if (r.running) r.unlisten = stop;
        else void stop();
      },
      (err: Error) => r.log.warn('audit relay: LISTEN failed, polling only', { error: err.message }),
    );
}

/** Waits `ms`, or less when the relay stops (or, with `onNotify`, when the outbox announces rows). */
function sleep(r: RelayLoop, ms: number, onNotify: boolean): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      r.interrupt = undefined;
      resolve();
    };
    const timer = setTimeout(done, ms);
    r.interrupt = () => {
      if (!r.running || (onNotify && r.notified)) done();
    };
  });
}

function halt(r: RelayLoop, err: ForkDetected): void {
  const fork: RelayFork = {
    sequence: err.sequence,
    detail: err.message,
    detected_at: new Date().toISOString(),
  };
  r.stats.state = 'forked';
  r.stats.fork = fork;
  r.log.error('audit relay: STOPPED: the database no longer continues the published audit chain', {
    target: r.sink.target,
    sequence: fork.sequence,
    detail: fork.detail,
    runbook: 'docs/audit.md#forks',
  });
  try {
    r.onAlarm?.(fork);
  } catch (e) {
    r.log.error('audit relay: alarm hook failed', { error: String(e) });
  }
}

async function run(r: RelayLoop): Promise<void> {
  let failures = 0;
  while (r.running) {
    try {
      r.notified = false;
      const n = await deliver(r);
      if (failures > 0) r.log.info('audit relay: delivering again', { after_failures: failures });
      failures = 0;
      r.stats.state = 'relaying';
      delete r.stats.last_error;
      await pause(r, n);
    } catch (err) {
      const next = await failed(r, err, failures);
      if (next === undefined) return;
      failures = next;
    }
  }
}

/** One batch delivered (its count), or 'busy' when another instance holds the mark. */
async function deliver(r: RelayLoop): Promise<number | 'busy'> {
  // Outside the transaction: a NATS that is down must not hold a database connection.
  await r.sink.open();
  if (!r.stateRow) {
    await r.db.query(
      `INSERT INTO audit_relay (target, sequence, hash, position) VALUES ($1, ${NEVER}, '', ${NEVER})
       ON CONFLICT (target) DO NOTHING`,
      [r.sink.target],
    );
    r.stateRow = true;
  }
  return relayBatch(r, Date.now() - r.checkedAt >= r.checkMs);
}

/** After a batch: at once when it was full, else until more is announced or it is time to look. */
async function pause(r: RelayLoop, n: number | 'busy'): Promise<void> {
  if (n === 'busy') {
    // Another instance is relaying: look again later, not on every notification.
    await sleep(r, r.pollMs, false);
    return;
  }
  if (n < r.batchSize) {
    // Coalesce: under load every group commit NOTIFYs; waiting a few milliseconds lets one
    // relay transaction carry many of them.
    if (r.notified) await sleep(r, COALESCE_MS, false);
    else await sleep(r, Math.min(r.pollMs, r.checkMs), true);
  }
}

/**
 * A failed delivery: a fork halts the relay (undefined); anything else is counted and retried,
 * after a back-off (the failures so far returned), or at once for a destination that moved.
 */
async function failed(r: RelayLoop, err: unknown, failures: number): Promise<number | undefined> {
  const { stats, log } = r;
  r.synced = false;
  if (err instanceof ForkDetected) {
    halt(r, err);
    return undefined;
  }
  if (err instanceof ForeignTailError) {
    halt(r, new ForkDetected(0, `${err.message}: the destination holds something the relay did not write`));
    return undefined;
  }
  stats.last_error = err instanceof Error ? err.message : String(err);
  stats.errors_total++;
  if (err instanceof SinkConflictError) {
    // Someone appended (a relay whose mark was lost, an old relay): read the tail again now.
    stats.conflicts_total++;
    log.warn('audit relay: the destination moved; checking its last event again', {
      error: stats.last_error,
    });
    if (stats.conflicts_total % 10 !== 0) return failures;
  }
  const count = failures + 1;
  stats.state = 'failing';
  const wait = Math.min(r.maxBackoffMs, MIN_BACKOFF_MS * 2 ** Math.min(count - 1, 20));
  // Jitter so that instances that failed together do not retry in lockstep.
  const jittered = Math.round(wait * (0.75 + Math.random() * 0.25));
  if (count === 1 || count % 10 === 0) {
    log.warn('audit relay: delivery failed, backing off', { error: stats.last_error, retry_ms: jittered });
  }
  await sleep(r, jittered, false);
  return count;
}

async function status(r: RelayLoop): Promise<RelayStatus> {
  const { stats, statusTimeoutMs } = r;
  const query = r.db.query<{ head: number; published: number; lag: number | null }>(
    `SELECT h.sequence AS head, COALESCE(r.sequence, ${NEVER}) AS published,
            (SELECT extract(epoch FROM now() - o.created_at)::float8 FROM outbox o
              WHERE o.sequence = GREATEST(COALESCE(r.sequence, 0), 0) + 1) AS lag
       FROM audit_chain_head h LEFT JOIN audit_relay r ON r.target = $1
      WHERE h.id = 1`,
    [r.sink.target],
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${statusTimeoutMs} ms`)), statusTimeoutMs);
  });
  try {
    const row = (await Promise.race([query, timeout])).rows[0];
    const head = Number(row?.head ?? 0);
    const published = Number(row?.published ?? NEVER);
    return {
      ...stats,
      published_sequence: published,
      pending: Math.max(0, head - Math.max(published, 0)),
      lag_seconds: Math.max(0, row?.lag ?? 0),
    };
  } catch (err) {
    query.catch(() => undefined);
    return { ...stats, status_error: `database: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

function makeSink(opts: RelayOptions): Sink {
  if (opts.nats) {
    const { servers, stream, ...rest } = opts.nats;
    return createJetStreamSink({ servers, ...(stream ? { name: stream } : {}), ...rest, log: opts.log });
  }
  if (opts.file) return createFileSink(opts.file, opts.log);
  throw new Error('audit relay: configure NATS (NATS_URL) or a file to write events to');
}

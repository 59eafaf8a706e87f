/**
 * The bounded, failover-aware connection pool under pg.ts: a `pg` Pool whose connections go to the
 * host the selector names (pg-hosts.ts), checked out within a deadline, one statement at a time
 * within a deadline, and replaced, with the LISTEN connection, when the server fails us (pg.ts says
 * why). The functions share one `PgPool`, the state that a replaced pool carries over.
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import type { QueryOptions, QueryResult } from './db.js';
import { DatabaseUnavailableError, classifyDatabaseError, isDatabaseUnavailable } from './errors.js';
import { checkSession, type HostSelector } from './pg-hosts.js';
import type { Listener } from './pg-listen.js';

const INT8_OID = 20;
export const KEEPALIVE_INITIAL_DELAY_MS = 10_000;
/** Replacing the pool's connections more often than this would only churn a failing server. */
const RECYCLE_INTERVAL_MS = 1_000;
/**
 * The server's warning when a COMMIT's wait for synchronous replication was cancelled (by
 * statement_timeout, pg_cancel_backend, or a lost client): the transaction committed locally and
 * the COMMIT reports success, though the standby may not have it.
 */
const SYNC_WAIT_CANCELLED = 'canceling wait for synchronous replication';

/** Deadlines, in milliseconds (docs/configuration.md, MANDATE_DB_*_TIMEOUT_MS). */
export interface DbTimeouts {
  /** Opening a connection: TCP, TLS, authentication, the session check. */
  connectMs: number;
  /** Waiting for a pooled connection, opening it included. */
  acquireMs: number;
  /** One statement. */
  statementMs: number;
  /** One transaction, BEGIN to COMMIT. */
  transactionMs: number;
  /** The readiness probe. */
  healthMs: number;
}

/*
 * bigint columns hold epoch seconds (exp, iat, expires_at): parse them as numbers, as PGlite does,
 * so repositories see the same types on both drivers. Set per pool, not globally on `pg.types`,
 * so that nothing else in the process changes behaviour.
 */
export const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

export class Timeout extends Error {}

/** Settles with `p`, or rejects with `Timeout` after `ms`; a late value is handed to `onLate`. */
export function within<T>(p: Promise<T>, ms: number, onLate?: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () => {
        settled = true;
        reject(new Timeout());
      },
      Math.max(0, ms),
    );
    p.then(
      (v) => {
        if (settled) onLate?.(v);
        else {
          settled = true;
          clearTimeout(timer);
          resolve(v);
        }
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The innermost message: what the driver or the server actually said. */
export function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof DatabaseUnavailableError && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/** A pooled connection while in use; `broken` once it must not go back to the pool. */
export interface Checkout {
  client: pg.PoolClient;
  broken: Error | undefined;
  onError(err: Error): void;
}

/** What the pool's functions share; `pool` is replaced when the server fails us. */
export interface PgPool {
  readonly t: DbTimeouts;
  readonly hosts: HostSelector;
  readonly max: number | undefined;
  readonly log: Logger | undefined;
  readonly listener: Listener;
  pool: pg.Pool;
  recycledAt: number;
  failing: boolean;
  closed: boolean;
}

/** The label of the host a pooled connection went to. */
export function hostLabel(s: PgPool, client: pg.PoolClient): string | undefined {
  return s.hosts.hosts[(client as unknown as { hostIndex: number }).hostIndex]?.label;
}

/** A pool whose every new connection goes to the host the selector names at that moment. */
export function newPool(s: Pick<PgPool, 't' | 'hosts' | 'max' | 'log'>): pg.Pool {
  const { hosts, t } = s;
  class HostClient extends pg.Client {
    readonly hostIndex: number;
    constructor(config?: pg.ClientConfig) {
      const i = hosts.current();
      super({ ...config, connectionString: hosts.hosts[i]!.url });
      this.hostIndex = i;
    }
  }
  const p = new pg.Pool({
    Client: HostClient as unknown as new () => pg.ClientBase,
    types,
    ...(s.max ? { max: s.max } : {}),
    connectionTimeoutMillis: t.connectMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    statement_timeout: t.statementMs,
    idle_in_transaction_session_timeout: t.transactionMs,
    onConnect: (client: pg.ClientBase) =>
      checkNewSession(client, hosts, hosts.hosts[(client as HostClient).hostIndex]!.label, t.connectMs),
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it ends the process.
  p.on('error', (err) => s.log?.warn('postgres: idle connection error', { error: err.message }));
  return p;
}

/** `target_session_attrs` on a fresh connection, within the connect deadline. */
async function checkNewSession(
  client: pg.ClientBase,
  hosts: HostSelector,
  label: string,
  connectMs: number,
): Promise<void> {
  await checkSession(
    (sql) => within(client.query<{ unsuitable: boolean }>(sql), connectMs),
    hosts.targetSessionAttrs,
    label,
  ).catch((err: unknown) => {
    throw err instanceof Timeout
      ? new DatabaseUnavailableError('timeout', `${label} did not answer the session check`)
      : err;
  });
}

/** The server failed us: drop the pool's connections (they go to it) and the LISTEN connection. */
export function recycle(s: PgPool, err: Error): void {
  if (!s.failing) {
    s.failing = true;
    s.log?.warn('postgres: database unavailable; replacing connections', { error: err.message });
  }
  const now = Date.now();
  if (s.closed || now - s.recycledAt < RECYCLE_INTERVAL_MS) return;
  s.recycledAt = now;
  const old = s.pool;
  s.pool = newPool(s);
  old.end().catch(() => undefined);
  s.listener.reconnect();
}

function recovered(s: PgPool): void {
  if (!s.failing) return;
  s.failing = false;
  s.log?.info('postgres: database available again');
}

/** A pooled connection within `timeoutMs`, trying each host once. */
export async function acquire(s: PgPool, timeoutMs: number): Promise<Checkout> {
  const { hosts } = s;
  const deadline = Date.now() + timeoutMs;
  const failures: string[] = [];
  let last: unknown;
  // One attempt per host: a refused connection or an unsuitable session moves on to the next.
  for (let attempt = 0; attempt < hosts.hosts.length; attempt++) {
    const host = hosts.current();
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      return checkout(s, await within(s.pool.connect(), left, (late) => late.release()));
    } catch (err) {
      if (err instanceof Timeout) break;
      last = classifyDatabaseError(err);
      if (!isDatabaseUnavailable(last)) throw last;
      failures.push(`${hosts.hosts[host]!.label}: ${rootMessage(last)}`);
      hosts.failed(host);
    }
  }
  const e = acquireError(s, timeoutMs, failures, last);
  recycle(s, e);
  throw e;
}

function checkout(s: PgPool, client: pg.PoolClient): Checkout {
  const c: Checkout = {
    client,
    broken: undefined,
    onError(err) {
      c.broken ??= classifyDatabaseError(err) as Error;
      s.log?.warn('postgres: connection lost while in use', { error: err.message });
    },
  };
  // While a client is checked out the pool stops listening for its errors: a connection lost
  // between two statements would be an unhandled 'error' event, which ends the process.
  client.on('error', c.onError);
  return c;
}

/** Why no connection could be had: the deadline, the one host's error, or every host's. */
function acquireError(
  s: PgPool,
  timeoutMs: number,
  failures: string[],
  last: unknown,
): DatabaseUnavailableError {
  const { hosts } = s.hosts;
  if (last === undefined || failures.length < hosts.length)
    return new DatabaseUnavailableError('timeout', `no database connection within ${timeoutMs} ms`);
  if (hosts.length === 1) return last as DatabaseUnavailableError;
  return new DatabaseUnavailableError(
    (last as DatabaseUnavailableError).kind,
    `no server could be used (${failures.join('; ')})`,
    { cause: last },
  );
}

export function release(s: PgPool, c: Checkout): void {
  c.client.removeListener('error', c.onError);
  // pg-pool destroys a client released with an error instead of keeping it.
  c.client.release(c.broken);
  if (c.broken !== undefined && isDatabaseUnavailable(c.broken)) recycle(s, c.broken);
}

/** One statement on a checked-out connection, within `ms`. */
export async function run<R>(
  s: PgPool,
  c: Checkout,
  sql: string,
  params: readonly unknown[] | undefined,
  ms: number,
  opts?: QueryOptions,
): Promise<QueryResult<R>> {
  if (c.broken !== undefined) throw c.broken;
  if (ms <= 0) {
    c.broken = new DatabaseUnavailableError('timeout', 'the database transaction ran out of time');
    throw c.broken;
  }
  let unreplicated: string | undefined;
  const onNotice = (n: { message?: string }): void => {
    if (n.message?.startsWith(SYNC_WAIT_CANCELLED)) unreplicated = n.message;
  };
  c.client.on('notice', onNotice);
  try {
    const values = params as unknown[] | undefined;
    const res = await within(
      opts?.name === undefined
        ? c.client.query(sql, values)
        : c.client.query({ name: opts.name, text: sql, ...(values ? { values } : {}) }),
      ms,
    );
    if (unreplicated !== undefined) {
      // Committed on the primary but not confirmed by the synchronous standby: a failover could
      // lose it, so nothing that depends on it (a token) may leave (docs/ha.md).
      c.broken ??= new DatabaseUnavailableError(
        'timeout',
        `the commit was not confirmed by a synchronous standby (${unreplicated})`,
      );
      throw c.broken;
    }
    recovered(s);
    return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
  } catch (err) {
    throw statementError(c, err, ms);
  } finally {
    c.client.removeListener('notice', onNotice);
  }
}

/** A statement's failure as the store reports it; one that lost the server breaks the connection. */
function statementError(c: Checkout, err: unknown, ms: number): unknown {
  if (err === c.broken) return err;
  const e =
    err instanceof Timeout
      ? new DatabaseUnavailableError('timeout', `no answer from the database within ${ms} ms`)
      : classifyDatabaseError(err);
  if (isDatabaseUnavailable(e)) c.broken ??= e as Error;
  return e;
}

/**
 * The Postgres server driver behind the `Db` seam (design.md, State): a `pg` Pool for queries and
 * transactions, and one dedicated connection for LISTEN (pg-listen.ts).
 *
 * Every step is bounded, because a database that stops answering (a frozen server, a dead host
 * behind a VIP or a DNS name, a proxy that holds connections) must give a fast 503, never a hung
 * request (docs/ha.md): opening a connection, waiting for a pooled one, each statement, and each
 * transaction have their own deadline, and the server is told the same (`statement_timeout`,
 * `idle_in_transaction_session_timeout`) so that it drops the work and its locks too. A connection
 * whose step timed out, was lost, or met a read-only or shutting-down server is destroyed, never
 * returned to the pool, and the pool's idle connections are replaced (they probably go to the same
 * server), so that after a failover new connections find the new primary. TCP keepalive is on, so
 * a dead peer is noticed on idle connections too.
 *
 * Several hosts with `target_session_attrs` are handled as libpq does (pg-hosts.ts).
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import { parseDatabaseUrl } from './connection-string.js';
import type { Db, DbProbe, Queryable, QueryOptions, QueryResult } from './db.js';
import { DatabaseUnavailableError, classifyDatabaseError, isDatabaseUnavailable } from './errors.js';
import { checkSession, createHostSelector } from './pg-hosts.js';
import { createListener } from './pg-listen.js';
import { redactUrl } from './redact.js';

const INT8_OID = 20;
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;
/** pg's pool size when none is given. */
const PG_DEFAULT_MAX = 10;
/** Replacing the pool's connections more often than this would only churn a failing server. */
const RECYCLE_INTERVAL_MS = 1_000;
const PRIMARY_POLL_MS = 1_000;
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

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = {
  connectMs: 5_000,
  acquireMs: 5_000,
  statementMs: 5_000,
  transactionMs: 10_000,
  healthMs: 2_000,
};

export interface PostgresOptions {
  /** Pool size (pg's default is 10). */
  max?: number;
  /** Where connection failures, recoveries and LISTEN reconnects are reported. */
  log?: Logger;
  timeouts?: Partial<DbTimeouts>;
  /**
   * At start-up, how long to wait for the server to accept writes when it is a standby (or no host
   * of the list is writable); 0 (the default) fails at once with a message saying so.
   */
  primaryWaitMs?: number;
}

/*
 * bigint columns hold epoch seconds (exp, iat, expires_at): parse them as numbers, as PGlite does,
 * so repositories see the same types on both drivers. Set per pool, not globally on `pg.types`,
 * so that nothing else in the process changes behaviour.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

class Timeout extends Error {}

/** Settles with `p`, or rejects with `Timeout` after `ms`; a late value is handed to `onLate`. */
function within<T>(p: Promise<T>, ms: number, onLate?: (v: T) => void): Promise<T> {
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
function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof DatabaseUnavailableError && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/** A pooled connection while in use; `broken` once it must not go back to the pool. */
interface Checkout {
  client: pg.PoolClient;
  broken: Error | undefined;
  onError(err: Error): void;
}

/** Opens a pool on `url` and checks that it connects, so a bad `DATABASE_URL` fails at start-up. */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const t: DbTimeouts = { ...DEFAULT_DB_TIMEOUTS, ...opts.timeouts };
  const { log } = opts;
  const parsed = parseDatabaseUrl(url);
  const hosts = createHostSelector(parsed.hosts, parsed.targetSessionAttrs);
  const where = redactUrl(url);
  let closed = false;

  const makePool = (): pg.Pool => {
    // Each new connection goes to the host the selector names at that moment.
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
      ...(opts.max ? { max: opts.max } : {}),
      connectionTimeoutMillis: t.connectMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
      statement_timeout: t.statementMs,
      idle_in_transaction_session_timeout: t.transactionMs,
      onConnect: async (client: pg.ClientBase) => {
        const label = hosts.hosts[(client as HostClient).hostIndex]!.label;
        await checkSession(
          (sql) => within(client.query<{ unsuitable: boolean }>(sql), t.connectMs),
          hosts.targetSessionAttrs,
          label,
        ).catch((err: unknown) => {
          throw err instanceof Timeout
            ? new DatabaseUnavailableError('timeout', `${label} did not answer the session check`)
            : err;
        });
      },
    });
    // An idle client losing its connection emits 'error' on the pool; unhandled, it ends the process.
    p.on('error', (err) => log?.warn('postgres: idle connection error', { error: err.message }));
    return p;
  };

  let pool = makePool();
  let recycledAt = 0;
  let failing = false;

  const listener = createListener({
    url: () => hosts.hosts[hosts.current()]!.url,
    types,
    connectTimeoutMs: t.connectMs,
    statementTimeoutMs: t.statementMs,
    keepAliveInitialDelayMs: KEEPALIVE_INITIAL_DELAY_MS,
    ...(log ? { log } : {}),
  });

  /** The server failed us: drop the pool's connections (they go to it) and the LISTEN connection. */
  const recycle = (err: Error): void => {
    if (!failing) {
      failing = true;
      log?.warn('postgres: database unavailable; replacing connections', { error: err.message });
    }
    const now = Date.now();
    if (closed || now - recycledAt < RECYCLE_INTERVAL_MS) return;
    recycledAt = now;
    const old = pool;
    pool = makePool();
    old.end().catch(() => undefined);
    listener.reconnect();
  };

  const recovered = (): void => {
    if (!failing) return;
    failing = false;
    log?.info('postgres: database available again');
  };

  const acquire = async (timeoutMs: number): Promise<Checkout> => {
    const deadline = Date.now() + timeoutMs;
    const failures: string[] = [];
    let last: unknown;
    // One attempt per host: a refused connection or an unsuitable session moves on to the next.
    for (let attempt = 0; attempt < hosts.hosts.length; attempt++) {
      const host = hosts.current();
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        const client = await within(pool.connect(), left, (late) => late.release());
        const c: Checkout = {
          client,
          broken: undefined,
          onError(err) {
            c.broken ??= classifyDatabaseError(err) as Error;
            log?.warn('postgres: connection lost while in use', { error: err.message });
          },
        };
        // While a client is checked out the pool stops listening for its errors: a connection lost
        // between two statements would be an unhandled 'error' event, which ends the process.
        client.on('error', c.onError);
        return c;
      } catch (err) {
        if (err instanceof Timeout) break;
        last = classifyDatabaseError(err);
        if (!isDatabaseUnavailable(last)) throw last;
        failures.push(`${hosts.hosts[host]!.label}: ${rootMessage(last)}`);
        hosts.failed(host);
      }
    }
    const e =
      last === undefined || failures.length < hosts.hosts.length
        ? new DatabaseUnavailableError('timeout', `no database connection within ${timeoutMs} ms`)
        : hosts.hosts.length === 1
          ? (last as DatabaseUnavailableError)
          : new DatabaseUnavailableError(
              (last as DatabaseUnavailableError).kind,
              `no server could be used (${failures.join('; ')})`,
              { cause: last },
            );
    recycle(e);
    throw e;
  };

  const release = (c: Checkout): void => {
    c.client.removeListener('error', c.onError);
    // pg-pool destroys a client released with an error instead of keeping it.
    c.client.release(c.broken);
    if (c.broken !== undefined && isDatabaseUnavailable(c.broken)) recycle(c.broken);
  };

  /** One statement on a checked-out connection, within `ms`. */
  const run = async <R>(
    c: Checkout,
    sql: string,
    params: readonly unknown[] | undefined,
    ms: number,
    opts?: QueryOptions,
  ) => {
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
      recovered();
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    } catch (err) {
      if (err === c.broken) throw err;
      const e =
        err instanceof Timeout
          ? new DatabaseUnavailableError('timeout', `no answer from the database within ${ms} ms`)
          : classifyDatabaseError(err);
      if (isDatabaseUnavailable(e)) c.broken ??= e as Error;
      throw e;
    } finally {
      c.client.removeListener('notice', onNotice);
    }
  };

  const query = async <R>(
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<QueryResult<R>> => {
    const c = await acquire(t.acquireMs);
    try {
      return await run<R>(c, sql, params, t.statementMs, opts);
    } finally {
      release(c);
    }
  };

  const probe = async (): Promise<DbProbe> => {
    const deadline = Date.now() + t.healthMs;
    let c: Checkout;
    try {
      c = await acquire(t.healthMs);
    } catch (err) {
      const readOnly = err instanceof DatabaseUnavailableError && err.kind === 'read_only';
      return { state: readOnly ? 'read_only' : 'unavailable', detail: rootMessage(err) };
    }
    let row: { recovery: boolean; read_only: string } | undefined;
    try {
      const res = await run<{ recovery: boolean; read_only: string }>(
        c,
        "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only",
        undefined,
        deadline - Date.now(),
      );
      row = res.rows[0];
    } catch (err) {
      return { state: 'unavailable', detail: rootMessage(err) };
    } finally {
      release(c);
    }
    const label =
      hosts.hosts[(c.client as unknown as { hostIndex: number }).hostIndex]?.label ?? 'the server';
    if (row?.recovery === true || row?.read_only === 'on') {
      const detail =
        row.recovery === true
          ? `${label} is a standby (in recovery)`
          : `${label} is read-only (default_transaction_read_only is on)`;
      recycle(new DatabaseUnavailableError('read_only', detail));
      return { state: row.recovery === true ? 'standby' : 'read_only', detail };
    }
    return { state: 'writable', detail: `${label} accepts writes` };
  };

  const db: Db = {
    kind: 'postgres',
    query,
    async exec(sql) {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      await query(sql);
    },
    async tx(fn, txOpts) {
      const c = await acquire(t.acquireMs);
      const limit = txOpts?.timeoutMs ?? t.transactionMs;
      const deadline = Date.now() + limit;
      const stepMs = (): number =>
        txOpts?.timeoutMs === undefined
          ? Math.min(t.statementMs, deadline - Date.now())
          : deadline - Date.now();
      const q: Queryable = {
        query: <R>(sql: string, params?: readonly unknown[], o?: QueryOptions) =>
          run<R>(c, sql, params, stepMs(), o),
        async exec(sql) {
          await run(c, sql, undefined, stepMs());
        },
      };
      try {
        await run(c, 'BEGIN', undefined, stepMs());
        try {
          const result = await fn(q);
          await run(c, 'COMMIT', undefined, stepMs());
          return result;
        } catch (err) {
          if (c.broken === undefined)
            await run(c, 'ROLLBACK', undefined, t.statementMs).catch((e: unknown) => {
              // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
              c.broken ??= e instanceof Error ? e : new Error(String(e));
            });
          throw err;
        }
      } finally {
        release(c);
      }
    },
    probe,
    poolUse: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: opts.max ? opts.max : PG_DEFAULT_MAX,
    }),
    listen: (channel, onNotify) => listener.listen(channel, onNotify),
    async close() {
      if (closed) return;
      closed = true;
      await listener.close();
      await pool.end().catch(() => undefined);
    },
  };

  await waitUntilWritable(db, {
    where,
    primaryWaitMs: opts.primaryWaitMs ?? 0,
    ...(log ? { log } : {}),
  }).catch(async (err: unknown) => {
    await db.close();
    throw err;
  });
  return db;
}

/**
 * Start-up: the server must answer (else "cannot connect") and accept writes (else it is a standby:
 * say so, and wait for a promotion up to `primaryWaitMs` or fail with that message).
 */
async function waitUntilWritable(
  db: Db,
  opts: { where: string; primaryWaitMs: number; log?: Logger },
): Promise<void> {
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      await db.query('SELECT 1');
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError && err.kind === 'read_only'))
        throw new Error(`cannot connect to Postgres at ${opts.where}: ${rootMessage(err)}`, { cause: err });
    }
    const p = await db.probe();
    if (p.state === 'writable') return;
    if (p.state === 'unavailable')
      throw new Error(`cannot connect to Postgres at ${opts.where}: ${p.detail}`);
    const what = `Postgres at ${opts.where} does not accept writes: ${p.detail}`;
    if (Date.now() - started >= opts.primaryWaitMs)
      throw new Error(
        `${what}. Mandate writes on every request: point DATABASE_URL at the primary (or list every server with target_session_attrs=read-write), or set MANDATE_DB_PRIMARY_WAIT to wait for a promotion`,
      );
    if (!told) {
      opts.log?.warn(`postgres: ${what}; waiting for it to accept writes`, {
        wait_seconds: opts.primaryWaitMs / 1000,
      });
      told = true;
    }
    await new Promise((r) => setTimeout(r, PRIMARY_POLL_MS));
  }
}

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
import type { Logger } from '../log.js';
import { parseDatabaseUrl } from './connection-string.js';
import type { Db, DbProbe, Queryable, QueryOptions, QueryResult, TxOptions } from './db.js';
import { DatabaseUnavailableError } from './errors.js';
import { createHostSelector } from './pg-hosts.js';
import { createListener } from './pg-listen.js';
import {
  KEEPALIVE_INITIAL_DELAY_MS,
  acquire,
  hostLabel,
  newPool,
  recycle,
  release,
  rootMessage,
  run,
  types,
  type Checkout,
  type DbTimeouts,
  type PgPool,
} from './pg-pool.js';
import { redactUrl } from './redact.js';

export type { DbTimeouts } from './pg-pool.js';

/** pg's pool size when none is given. */
const PG_DEFAULT_MAX = 10;
const PRIMARY_POLL_MS = 1_000;

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

/** Opens a pool on `url` and checks that it connects, so a bad `DATABASE_URL` fails at start-up. */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const s = openPool(url, opts);
  const db = postgresDb(s);
  await waitUntilWritable(db, {
    where: redactUrl(url),
    primaryWaitMs: opts.primaryWaitMs ?? 0,
    ...(opts.log ? { log: opts.log } : {}),
  }).catch(async (err: unknown) => {
    await db.close();
    throw err;
  });
  return db;
}

/** The pool and the LISTEN connection, both following the host selector of `url`. */
function openPool(url: string, opts: PostgresOptions): PgPool {
  const t: DbTimeouts = { ...DEFAULT_DB_TIMEOUTS, ...opts.timeouts };
  const { log } = opts;
  const parsed = parseDatabaseUrl(url);
  const hosts = createHostSelector(parsed.hosts, parsed.targetSessionAttrs);
  const listener = createListener({
    url: () => hosts.hosts[hosts.current()]!.url,
    types,
    connectTimeoutMs: t.connectMs,
    statementTimeoutMs: t.statementMs,
    keepAliveInitialDelayMs: KEEPALIVE_INITIAL_DELAY_MS,
    ...(log ? { log } : {}),
  });
  const shared = { t, hosts, max: opts.max, log };
  return { ...shared, listener, pool: newPool(shared), recycledAt: 0, failing: false, closed: false };
}

/** The `Db` seam on the pool. */
function postgresDb(s: PgPool): Db {
  const query = <R>(sql: string, params?: readonly unknown[], o?: QueryOptions): Promise<QueryResult<R>> =>
    pooledQuery<R>(s, sql, params, o);
  return {
    kind: 'postgres',
    query,
    async exec(sql) {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      await query(sql);
    },
    tx: (fn, txOpts) => transaction(s, fn, txOpts),
    probe: () => probe(s),
    poolUse: () => ({
      total: s.pool.totalCount,
      idle: s.pool.idleCount,
      waiting: s.pool.waitingCount,
      max: s.max ? s.max : PG_DEFAULT_MAX,
    }),
    listen: (channel, onNotify) => s.listener.listen(channel, onNotify),
    async close() {
      if (s.closed) return;
      s.closed = true;
      await s.listener.close();
      await s.pool.end().catch(() => undefined);
    },
  };
}

/** One statement on a connection of its own. */
async function pooledQuery<R>(
  s: PgPool,
  sql: string,
  params?: readonly unknown[],
  opts?: QueryOptions,
): Promise<QueryResult<R>> {
  const c = await acquire(s, s.t.acquireMs);
  try {
    return await run<R>(s, c, sql, params, s.t.statementMs, opts);
  } finally {
    release(s, c);
  }
}

/**
 * `fn` between BEGIN and COMMIT on one connection, each statement within the transaction's
 * deadline (and the statement deadline, unless the caller set the transaction's own).
 */
async function transaction<T>(s: PgPool, fn: (q: Queryable) => Promise<T>, txOpts?: TxOptions): Promise<T> {
  const { t } = s;
  const c = await acquire(s, t.acquireMs);
  const deadline = Date.now() + (txOpts?.timeoutMs ?? t.transactionMs);
  const stepMs = (): number =>
    txOpts?.timeoutMs === undefined ? Math.min(t.statementMs, deadline - Date.now()) : deadline - Date.now();
  const q: Queryable = {
    query: <R>(sql: string, params?: readonly unknown[], o?: QueryOptions) =>
      run<R>(s, c, sql, params, stepMs(), o),
    async exec(sql) {
      await run(s, c, sql, undefined, stepMs());
    },
  };
  try {
    await run(s, c, 'BEGIN', undefined, stepMs());
    try {
      const result = await fn(q);
      await run(s, c, 'COMMIT', undefined, stepMs());
      return result;
    } catch (err) {
      if (c.broken === undefined)
        await run(s, c, 'ROLLBACK', undefined, t.statementMs).catch((e: unknown) => {
          // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
          c.broken ??= e instanceof Error ? e : new Error(String(e));
        });
      throw err;
    }
  } finally {
    release(s, c);
  }
}

/** The readiness probe: does a connection come within the deadline, and does it accept writes? */
async function probe(s: PgPool): Promise<DbProbe> {
  const deadline = Date.now() + s.t.healthMs;
  let c: Checkout;
  try {
    c = await acquire(s, s.t.healthMs);
  } catch (err) {
    const readOnly = err instanceof DatabaseUnavailableError && err.kind === 'read_only';
    return { state: readOnly ? 'read_only' : 'unavailable', detail: rootMessage(err) };
  }
  let row: { recovery: boolean; read_only: string } | undefined;
  try {
    const res = await run<{ recovery: boolean; read_only: string }>(
      s,
      c,
      "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only",
      undefined,
      deadline - Date.now(),
    );
    row = res.rows[0];
  } catch (err) {
    return { state: 'unavailable', detail: rootMessage(err) };
  } finally {
    release(s, c);
  }
  const label = hostLabel(s, c.client) ?? 'the server';
  if (row?.recovery === true || row?.read_only === 'on') {
    const detail =
      row.recovery === true
        ? `${label} is a standby (in recovery)`
        : `${label} is read-only (default_transaction_read_only is on)`;
    recycle(s, new DatabaseUnavailableError('read_only', detail));
    return { state: row.recovery === true ? 'standby' : 'read_only', detail };
  }
  return { state: 'writable', detail: `${label} accepts writes` };
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

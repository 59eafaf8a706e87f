/**
 * The driver seam: every repository talks to this interface, so the same SQL runs on a Postgres
 * server (`pg`) and on embedded Postgres (PGlite) when no `DATABASE_URL` is configured.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** How one statement is sent. */
export interface QueryOptions {
  /**
   * Sends it as a named prepared statement: the server parses and plans it once per connection and
   * then only binds and executes (for statements on the hot path; the text must be the same every
   * time the name is used). PGlite ignores it.
   */
  name?: string;
}

export interface Queryable {
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<QueryResult<R>>;
  /**
   * Runs a script of several statements without parameters (migrations). Separate from `query`
   * because PGlite's `query` takes exactly one statement (extended protocol), while both drivers
   * accept a multi-statement script through the simple query protocol.
   */
  exec(sql: string): Promise<void>;
}

export interface TxOptions {
  /**
   * Longest the whole transaction may take, in milliseconds (default: the store's transaction
   * timeout). When given, statements inside are bounded by it alone, not by the statement timeout
   * (migrations).
   */
  timeoutMs?: number;
}

/** What the readiness check learns from the database. */
export interface DbProbe {
  /** `writable`: it answered and accepts writes; otherwise why not. */
  state: 'writable' | 'standby' | 'read_only' | 'unavailable';
  detail: string;
}

/** A connection pool's use now (the Postgres driver; PGlite has one connection and none). */
export interface PoolUse {
  /** Connections open, in use or idle. */
  total: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  /** The most connections the pool opens. */
  max: number;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. Inside `fn`
   * use only `q`: PGlite has a single connection, so a query on the outer `Db` would wait for the
   * transaction to end, which waits for `fn`: a deadlock.
   */
  tx<T>(fn: (q: Queryable) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** Checks, within the health timeout, that the database answers and accepts writes. */
  probe(): Promise<DbProbe>;
  /** The connection pool's use now; absent without a pool (PGlite). */
  poolUse?(): PoolUse;
  /** LISTEN on a channel; returns a function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

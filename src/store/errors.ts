/**
 * Database failures that mean "the database cannot serve this now", as opposed to a bad statement
 * or a constraint: a step that timed out, a lost or refused connection, a server that is read-only
 * (a standby, or a primary being demoted) or shutting down. The store destroys the connection such
 * an error came from, and the protocol core answers the request `temporarily_unavailable` (503 with
 * Retry-After): the client did nothing wrong and should try again.
 */

export type UnavailableKind = 'timeout' | 'connection' | 'read_only' | 'shutting_down';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  readonly kind: UnavailableKind;

  constructor(kind: UnavailableKind, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
  }
}

/** SQLSTATEs of a server that will not take this session's writes (Appendix A of the Postgres manual). */
const SQLSTATE_KIND: Record<string, UnavailableKind> = {
  '25006': 'read_only', // read_only_sql_transaction: a standby, or default_transaction_read_only
  '57P01': 'shutting_down', // admin_shutdown
  '57P02': 'shutting_down', // crash_shutdown
  '57P03': 'shutting_down', // cannot_connect_now: starting up, in recovery, or shutting down
  '57014': 'timeout', // query_canceled: the server-side statement_timeout fired
  '25P03': 'timeout', // idle_in_transaction_session_timeout
  '53300': 'connection', // too_many_connections
};

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** node-postgres reports a lost connection by message only. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout expired',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

/**
 * Classifies a driver error: a `DatabaseUnavailableError` when the database cannot serve now,
 * otherwise the error unchanged (a statement error is the caller's to handle).
 */
export function classifyDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError) return err;
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    const kind = SQLSTATE_KIND[code];
    if (kind !== undefined)
      return new DatabaseUnavailableError(kind, `database: ${err.message}`, { cause: err });
    // Class 08: connection exceptions.
    if (/^08[0-9A-Z]{3}$/.test(code) || SOCKET_CODES.has(code))
      return new DatabaseUnavailableError('connection', `database: ${err.message}`, { cause: err });
  }
  if (CONNECTION_MESSAGES.some((m) => err.message.startsWith(m)))
    return new DatabaseUnavailableError('connection', `database: ${err.message}`, { cause: err });
  return err;
}

/** The kind of the first `DatabaseUnavailableError` in `err`'s `cause` chain, if there is one. */
export function unavailableKind(err: unknown): UnavailableKind | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof DatabaseUnavailableError) return e.kind;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when `err`, or any error in its `cause` chain, says the database cannot serve now. */
export function isDatabaseUnavailable(err: unknown): boolean {
  return unavailableKind(err) !== undefined;
}

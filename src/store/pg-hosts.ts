/**
 * Which server a new connection goes to, and whether it may be kept: libpq's multi-host and
 * `target_session_attrs` semantics (PostgreSQL manual §34.1.2) behind the store seam, since
 * node-postgres connects to exactly one host and ignores the attribute.
 *
 * Every new connection goes to the current host; a connection that cannot be opened, or whose
 * session does not meet `target_session_attrs`, moves the current host to the next one in the
 * list, and the pool's acquire tries again (pg.ts), so each connection lands on a server that
 * suits. The check runs once per connection (one round trip), as libpq's does.
 */
import type { DatabaseHost, TargetSessionAttrs } from './connection-string.js';
import { DatabaseUnavailableError } from './errors.js';

export interface HostSelector {
  readonly hosts: readonly DatabaseHost[];
  readonly targetSessionAttrs: TargetSessionAttrs;
  /** The host new connections go to. */
  current(): number;
  /** A connection to host `i` failed or did not suit: the next connection tries the next host. */
  failed(i: number): void;
}

export function createHostSelector(
  hosts: DatabaseHost[],
  targetSessionAttrs: TargetSessionAttrs,
): HostSelector {
  let index = 0;
  return {
    hosts,
    targetSessionAttrs,
    current: () => index,
    failed(i) {
      if (i === index) index = (index + 1) % hosts.length;
    },
  };
}

/**
 * What `target_session_attrs` asks of a fresh session: `read-write` that it accepts writes
 * (`transaction_read_only` is off, as libpq checks with SHOW), `primary` that the server is not in
 * recovery. Throws a `DatabaseUnavailableError` (kind `read_only`) when it does not suit.
 */
export async function checkSession(
  query: (sql: string) => Promise<{ rows: { unsuitable?: boolean }[] }>,
  attrs: TargetSessionAttrs,
  label: string,
): Promise<void> {
  if (attrs === 'any') return;
  const res = await query(
    attrs === 'read-write'
      ? "SELECT current_setting('transaction_read_only') = 'on' AS unsuitable"
      : 'SELECT pg_is_in_recovery() AS unsuitable',
  );
  if (res.rows[0]?.unsuitable === true)
    throw new DatabaseUnavailableError(
      'read_only',
      attrs === 'read-write'
        ? `${label} is read-only (target_session_attrs=read-write asks for a writable server)`
        : `${label} is a standby (target_session_attrs=primary asks for the primary)`,
    );
}

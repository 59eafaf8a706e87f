/**
 * Whether the primary's commits wait for a standby (issue 18 item 4, docs/ha.md "Synchronous
 * replication"). Mandate gives a client its token only after the commit that records it, so with
 * synchronous replication a failover loses nothing a client holds; with asynchronous replication
 * the standby may lack the last commits, and after its promotion those tokens have no record
 * (introspection says inactive, revocation cannot find them) and the audit stream forks.
 *
 * At start-up Mandate reads, in its own session (so role and database defaults count), the two
 * settings that decide it: `synchronous_standby_names` (empty: no commit waits for a standby) and
 * `synchronous_commit` (`local` or `off`: this session's commits do not wait even when names are
 * set), and counts the standbys attached (`pg_stat_replication`, whose rows every role may see).
 * It warns only when a standby is attached: a single server has nothing to fail over to, and a
 * managed service replicating below Postgres (RDS Multi-AZ instances) shows no standby here.
 */
import type { Logger } from '../log.js';
import type { Queryable } from './db.js';

/** MANDATE_DB_ASYNC_REPLICATION: `warn` (default) or `accept` (the operator knows; no warning). */
export type AsyncReplicationPolicy = 'warn' | 'accept';

export interface ReplicationState {
  synchronousCommit: string;
  synchronousStandbyNames: string;
  /** Standbys streaming from this server. */
  standbys: number;
}

/** Why this session's commits are not synchronously replicated, or undefined when they are. */
export function asyncReason(s: ReplicationState): string | undefined {
  if (s.synchronousStandbyNames.trim() === '') return 'synchronous_standby_names is empty';
  if (s.synchronousCommit === 'local' || s.synchronousCommit === 'off')
    return `synchronous_commit is ${s.synchronousCommit}`;
  return undefined;
}

export async function readReplicationState(db: Queryable): Promise<ReplicationState> {
  const res = await db.query<{ sc: string; ssn: string; standbys: number }>(
    "SELECT current_setting('synchronous_commit') AS sc, current_setting('synchronous_standby_names') AS ssn, " +
      '(SELECT count(*)::int FROM pg_stat_replication) AS standbys',
  );
  const row = res.rows[0]!;
  return { synchronousCommit: row.sc, synchronousStandbyNames: row.ssn, standbys: row.standbys };
}

/** The start-up warning (docs/ha.md quotes it), or undefined when there is nothing to warn about. */
export function asyncReplicationWarning(s: ReplicationState): string | undefined {
  const reason = asyncReason(s);
  if (reason === undefined || s.standbys === 0) return undefined;
  return (
    `postgres: commits are not synchronously replicated (${reason}) while ${s.standbys} ` +
    `standby${s.standbys === 1 ? ' is' : 's are'} attached: a failover can lose tokens clients already ` +
    'hold and fork the audit stream. Set synchronous_standby_names on the primary (Patroni: ' +
    'synchronous_mode) or MANDATE_DB_ASYNC_REPLICATION=accept to accept it (docs/ha.md#synchronous-replication)'
  );
}

/** Logs the warning when commits are not synchronously replicated, unless the operator accepts it. */
export async function checkReplication(
  db: Queryable,
  policy: AsyncReplicationPolicy,
  log: Logger,
): Promise<void> {
  if (policy === 'accept') return;
  const state = await readReplicationState(db);
  const warning = asyncReplicationWarning(state);
  if (warning !== undefined)
    log.warn(warning, {
      synchronous_commit: state.synchronousCommit,
      synchronous_standby_names: state.synchronousStandbyNames,
      standbys: state.standbys,
    });
}

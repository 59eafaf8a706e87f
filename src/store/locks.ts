/**
 * Advisory lock ids shared by every instance. Two-key form (`pg_advisory_xact_lock(int4, int4)`):
 * the first key namespaces Mandate's locks ('mand' in ASCII) away from other users of the database.
 */
export const LOCK_NAMESPACE = 0x6d616e64;

export const LOCKS = {
  migrations: 1,
  signingKeys: 2,
  housekeeping: 3,
  connectorKeys: 4,
} as const;

export type LockName = keyof typeof LOCKS;

/** SQL that tries the named transaction-scoped advisory lock; its one row says whether it was taken. */
export function tryLockSql(name: LockName): [string, number[]] {
  return ['SELECT pg_try_advisory_xact_lock($1::int4, $2::int4) AS taken', [LOCK_NAMESPACE, LOCKS[name]]];
}

/** SQL and parameters that take the named transaction-scoped advisory lock. */
export function lockSql(name: LockName): [string, number[]] {
  return ['SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [LOCK_NAMESPACE, LOCKS[name]]];
}

/**
 * Deletes state that has outlived its purpose, so that tables stay the size of the live working set:
 * replay records past their acceptance window, issuance records of long-expired tokens, authorization
 * codes a day after they expired, rate-limit windows that ended (kept that long so that a late replay is still recognised and
 * revokes what the code issued, RFC 6749 §10.5), expired grants with their refresh tokens, and
 * approval requests (CIBA) a day after they expired.
 * Every instance runs it; a try-lock makes one of them do the work each round. The audit outbox is
 * not touched: it is the audit record (docs/audit.md).
 */
import type { Logger } from '../log.js';
import type { Db } from './db.js';
import { tryLockSql } from './locks.js';

/** Seconds after expiry before an issuance record or a code is deleted. */
const TOKEN_RETENTION = 3600;
const CODE_RETENTION = 86_400;

const statements: Record<string, string> = {
  replay: 'DELETE FROM replay WHERE expires_at < $1',
  issued_tokens: `DELETE FROM issued_tokens WHERE exp < $1 - ${TOKEN_RETENTION}`,
  authorization_codes: `DELETE FROM authorization_codes WHERE expires_at < $1 - ${CODE_RETENTION}`,
  grants: 'DELETE FROM grants WHERE expires_at < $1',
  // Windows are in the database's clock; a minute's margin for an instance whose clock is ahead.
  rate_limits: 'DELETE FROM rate_limits WHERE expires_at < $1 - 60',
  // Kept a day past expiry, as codes are, so that a late poll is told expired_token (CIBA §11).
  approvals: `DELETE FROM approvals WHERE expires_at < $1 - ${CODE_RETENTION}`,
};

export interface Housekeeping {
  /** One round; undefined when another instance held the lock. */
  runOnce(): Promise<Record<string, number> | undefined>;
  stop(): void;
}

export function startHousekeeping(opts: {
  db: Db;
  log: Logger;
  now: () => number;
  intervalMs?: number;
}): Housekeeping {
  const runOnce = (): Promise<Record<string, number> | undefined> =>
    opts.db.tx(async (q) => {
      const [sql, params] = tryLockSql('housekeeping');
      const lock = await q.query<{ taken: boolean }>(sql, params);
      if (lock.rows[0]?.taken !== true) return undefined;
      const now = opts.now();
      const removed: Record<string, number> = {};
      for (const [table, statement] of Object.entries(statements))
        removed[table] = (await q.query(statement, [now])).rowCount;
      return removed;
    });

  const timer = setInterval(() => {
    runOnce().then(
      (removed) => {
        if (removed !== undefined && Object.values(removed).some((n) => n > 0))
          opts.log.debug('housekeeping: expired state removed', removed);
      },
      (err: unknown) => opts.log.warn('housekeeping failed; will retry', { error: String(err) }),
    );
  }, opts.intervalMs ?? 60_000);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}

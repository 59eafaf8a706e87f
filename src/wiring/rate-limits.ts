/**
 * Rate limits (ADR 0010): counted in Postgres when the service runs on one, so that every
 * instance shares each budget; in memory with embedded PGlite, which serves one process anyway.
 * Refusals and counter failures go to the metrics.
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../ops/metrics.js';
import { createRateLimits, type RateLimits } from '../oauth/rate-limit.js';
import type { Db } from '../store/db.js';
import { createMemoryWindowCounter, createPgWindowCounter } from '../store/rate-limits.js';

export function buildRateLimits(config: Config, db: Db, log: Logger, metrics: Metrics): RateLimits {
  const shared = db.kind === 'postgres';
  const limits = Object.entries(config.rateLimits).map(
    ([name, r]) => `${name} ${r.limit}/${r.windowSeconds}s`,
  );
  log.info(
    shared
      ? 'rate limits: counted in Postgres, shared by every instance'
      : 'rate limits: counted in memory, per instance (embedded database)',
    { limits: limits.length === 0 ? 'none' : limits.join(', '), trust_proxy: String(config.trustProxy) },
  );
  return createRateLimits({
    rules: config.rateLimits,
    counter: shared ? createPgWindowCounter(db) : createMemoryWindowCounter(),
    log,
    onRefused: (name) => metrics.rateLimited(name),
    onCounterFailure: (name) => metrics.rateLimitFailure(name),
  });
}

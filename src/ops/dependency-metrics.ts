/**
 * Series about what Mandate depends on (issue 14 §1): the database connection pool, read at scrape
 * time, and the fetches of self-registered clients' documents (Client ID Metadata Documents and
 * jwks_uri key sets) by outcome. Part of the registry metrics.ts builds; docs/operations.md#metrics.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PoolUse } from '../store/db.js';

export interface DependencyMetrics {
  /** One fetch of a metadata document or key set: `ok` or the failure's reason. */
  cimdFetch(target: string, outcome: string): void;
}

/** An HTTP status failure (`status_404`) is counted by its class, so the label set stays small. */
function outcomeLabel(outcome: string): string {
  const m = /^status_(\d)\d\d$/.exec(outcome);
  return m === null ? outcome.slice(0, 32) : `status_${m[1]}xx`;
}

export function createDependencyMetrics(
  registers: Registry[],
  pool: () => PoolUse | undefined,
): DependencyMetrics {
  new Gauge({
    name: 'mandate_db_pool_connections',
    help: 'Database pool connections by state: in_use (checked out by a statement or transaction) and idle. Absent with embedded PGlite.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const p = pool();
      if (p === undefined) return;
      this.set({ state: 'in_use' }, p.total - p.idle);
      this.set({ state: 'idle' }, p.idle);
    },
  });
  new Gauge({
    name: 'mandate_db_pool_max_connections',
    help: 'The most connections the database pool opens (its size).',
    registers,
    collect() {
      const p = pool();
      if (p !== undefined) this.set(p.max);
    },
  });
  new Gauge({
    name: 'mandate_db_pool_waiting',
    help: 'Callers waiting for a database connection: every pooled one is in use, or one is being opened for them.',
    registers,
    collect() {
      const p = pool();
      if (p !== undefined) this.set(p.waiting);
    },
  });
  const fetches = new Counter({
    name: 'mandate_cimd_fetches_total',
    help: "Fetches of self-registered clients' documents by target (metadata_document, jwks_uri) and outcome (ok, or why it failed: dns, private_address, timeout, redirect, status_4xx, status_5xx, not_json, too_large, scheme). Cache hits are not fetches.",
    labelNames: ['target', 'outcome'] as const,
    registers,
  });
  return {
    cimdFetch: (target, outcome) => fetches.inc({ target, outcome: outcomeLabel(outcome) }),
  };
}

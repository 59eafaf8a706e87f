/**
 * Series about what Mandate depends on (issue 14 §1): the database connection pool, read at scrape
 * time, and the fetches of self-registered clients' documents (Client ID Metadata Documents and
 * jwks_uri key sets) by outcome. Part of the registry metrics.ts builds; docs/operations.md#metrics.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PoolUse } from '../store/db.js';

export interface DependencyMetrics {
  /** One fetch of a metadata document or key set: `ok` or the failure's reason. */
  cimdFetch(target: string, outcome: string): void;
  /** A connector-backed exchange (ADR 0013) by how it ended: issued, cached, refused, unavailable. */
  connectorRequest(service: string, kind: string, outcome: string): void;
  /** One call to a connector's downstream token endpoint and how long it took. */
  connectorCall(service: string, kind: string, seconds: number): void;
}

const CONNECTOR_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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
  const connectorRequests = new Counter({
    name: 'mandate_connector_requests_total',
    help: "Token exchanges for connector-backed services (docs/connectors.md) by service, kind and outcome: issued (a fresh token from the service's authorization server), cached (a held one, no downstream call), refused (the service's authorization server refused, or the decision named no downstream identity; policy denials are in mandate_policy_decisions_total), unavailable (the downstream was down, slow or answered no token: 503).",
    labelNames: ['service', 'kind', 'outcome'] as const,
    registers,
  });
  const connectorSeconds = new Histogram({
    name: 'mandate_connector_request_duration_seconds',
    help: "Duration of calls to connector-backed services' token endpoints, by service and kind (cache hits make no call).",
    labelNames: ['service', 'kind'] as const,
    buckets: CONNECTOR_BUCKETS,
    registers,
  });
  return {
    connectorRequest: (service, kind, outcome) => connectorRequests.inc({ service, kind, outcome }),
    connectorCall: (service, kind, seconds) => connectorSeconds.observe({ service, kind }, seconds),
    cimdFetch: (target, outcome) => fetches.inc({ target, outcome: outcomeLabel(outcome) }),
  };
}

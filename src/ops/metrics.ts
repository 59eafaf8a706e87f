/**
 * Prometheus metrics (prom-client), one registry per service so that several services in one
 * process (tests) never collide. Series are fed three ways: the HTTP hooks (requests, token
 * responses), decorators the composition root puts around ports (decisions, replay records,
 * database), and gauges read at scrape time from what the components already report (relay,
 * policy). Every series, and what an alert on it means: docs/operations.md#metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolUse } from '../store/db.js';
import { createDependencyMetrics, type DependencyMetrics } from './dependency-metrics.js';

export interface RelayFigures {
  /** Events this process appended (a running total). */
  published_total: number;
  /** Failed deliveries (a running total). */
  errors_total: number;
  state: string;
  last_error?: string;
}

export interface MetricsSources {
  /** The relay's counters, read at scrape time. */
  relayStats?: () => RelayFigures;
  /** The outbox writer's counters (group commits, chain-head conflicts), read at scrape time. */
  outboxStats?: () => { flushes_total: number; conflicts_total: number; locked_total: number };
  /** Outbox backlog as the database says it is now (pending events, age of the oldest). */
  relayBacklog?: () => Promise<{ pending?: number; lag_seconds?: number }>;
  /** The database pool's use now (absent with PGlite). */
  dbPool?: () => PoolUse | undefined;
  /** The bundle in force and the last reload attempt. */
  policy?: () => { revision: string; digest: string; last_reload?: { at: string; outcome: string } };
}

export interface Metrics extends DependencyMetrics {
  readonly registry: Registry;
  request(route: string, method: string, status: number, seconds: number): void;
  tokenResponse(grantType: string, outcome: 'issued' | 'error', error: string): void;
  decision(action: string, outcome: 'allow' | 'deny' | 'error', seconds: number): void;
  replayRefused(kind: string): void;
  dbError(): void;
  /** A request refused by a rate limit (429). */
  rateLimited(limit: string): void;
  /** A request let through uncounted because the rate-limit counter failed (fail open). */
  rateLimitFailure(limit: string): void;
  /** An approval webhook POST that failed, timed out or was answered other than 2xx. */
  approvalWebhookFailure(): void;
  /** Adds the scrape-time sources once the components exist. */
  attach(sources: MetricsSources): void;
  /** The text a scrape gets: this registry, or the cluster's (useText). */
  text(): Promise<string>;
  /** In a cluster worker: scrapes answer with what the primary aggregates. */
  useText(text: () => Promise<string>): void;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DECISION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const sources: MetricsSources = {};
  let text = (): Promise<string> => registry.metrics();
  const registers = [registry];
  // Registered in this order, which is the order a scrape lists them in.
  const http = httpMetrics(registers);
  const decisions = decisionMetrics(registers, sources);
  const refusals = refusalMetrics(registers);
  relayMetrics(registers, sources);
  const dependencies = createDependencyMetrics(registers, () => sources.dbPool?.());
  return {
    registry,
    ...http,
    ...decisions,
    ...refusals,
    cimdFetch: dependencies.cimdFetch,
    connectorRequest: dependencies.connectorRequest,
    connectorCall: dependencies.connectorCall,
    attach: (s) => Object.assign(sources, s),
    text: () => text(),
    useText: (t) => {
      text = t;
    },
  };
}

/** Requests answered, how long they took, and the token endpoint's responses. */
function httpMetrics(registers: Registry[]): Pick<Metrics, 'request' | 'tokenResponse'> {
  const requests = new Counter({
    name: 'mandate_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'mandate_http_request_duration_seconds',
    help: 'Time from request to response sent, by route pattern.',
    labelNames: ['route'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const tokens = new Counter({
    name: 'mandate_token_responses_total',
    help: 'Token endpoint responses by grant type, outcome (issued or error) and OAuth error code.',
    labelNames: ['grant_type', 'outcome', 'error'] as const,
    registers,
  });
  return {
    request: (route, method, status, seconds) => {
      requests.inc({ route, method, status: String(status) });
      duration.observe({ route }, seconds);
    },
    tokenResponse: (grantType, outcome, error) => tokens.inc({ grant_type: grantType, outcome, error }),
  };
}

/** Policy decisions and their time, and, read at scrape time, the bundle in force and its reloads. */
function decisionMetrics(registers: Registry[], sources: MetricsSources): Pick<Metrics, 'decision'> {
  const decisions = new Counter({
    name: 'mandate_policy_decisions_total',
    help: 'Policy decisions by action and outcome (allow, deny, error: evaluation failed, denied).',
    labelNames: ['action', 'outcome'] as const,
    registers,
  });
  const decisionSeconds = new Histogram({
    name: 'mandate_policy_decision_duration_seconds',
    help: 'Time to evaluate one policy decision (WebAssembly), by action.',
    labelNames: ['action'] as const,
    buckets: DECISION_BUCKETS,
    registers,
  });
  let lastReloadAt: string | undefined;
  new Counter({
    name: 'mandate_policy_reloads_total',
    help: 'Policy bundle reload attempts by outcome (loaded, unchanged, refused, fetch_failed), as scrapes see them (several between two scrapes count once).',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      const last = sources.policy?.().last_reload;
      if (last === undefined || last.at === lastReloadAt) return;
      lastReloadAt = last.at;
      this.inc({ outcome: last.outcome });
    },
  });
  new Gauge({
    name: 'mandate_policy_bundle_info',
    help: 'The policy bundle in force (value 1), by revision and digest.',
    labelNames: ['revision', 'digest'] as const,
    registers,
    collect() {
      this.reset();
      const p = sources.policy?.();
      if (p) this.set({ revision: p.revision, digest: p.digest }, 1);
    },
  });
  return {
    decision: (action, outcome, seconds) => {
      decisions.inc({ action, outcome });
      decisionSeconds.observe({ action }, seconds);
    },
  };
}

/** What was refused or failed: replays, database statements, rate limits, approval webhooks. */
function refusalMetrics(
  registers: Registry[],
): Pick<
  Metrics,
  'replayRefused' | 'dbError' | 'rateLimited' | 'rateLimitFailure' | 'approvalWebhookFailure'
> {
  const replays = new Counter({
    name: 'mandate_replay_refusals_total',
    help: "Replayed single-use values refused, by kind: dpop (proof jti), client_assertion, id_jag, workload (a workload's platform JWT).",
    labelNames: ['kind'] as const,
    registers,
  });
  const dbErrors = new Counter({
    name: 'mandate_db_query_errors_total',
    help: 'Database statements and transactions that failed (timeouts, lost connections, constraint errors).',
    registers,
  });
  const rateLimited = new Counter({
    name: 'mandate_rate_limit_refusals_total',
    help: 'Requests refused with 429 by a rate limit, by limit (token, register, authorize, login).',
    labelNames: ['limit'] as const,
    registers,
  });
  const rateLimitFailures = new Counter({
    name: 'mandate_rate_limit_failures_total',
    help: 'Requests let through uncounted because the rate-limit counter failed or was slow (fail open), by limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  const webhookFailures = new Counter({
    name: 'mandate_approval_webhook_failures_total',
    help: 'Approval webhook POSTs (MANDATE_APPROVAL_WEBHOOK_URL) that failed, timed out or were not answered 2xx.',
    registers,
  });
  return {
    replayRefused: (kind) => replays.inc({ kind }),
    dbError: () => dbErrors.inc(),
    rateLimited: (limit) => rateLimited.inc({ limit }),
    rateLimitFailure: (limit) => rateLimitFailures.inc({ limit }),
    approvalWebhookFailure: () => webhookFailures.inc(),
  };
}

/** The audit relay's series, read at scrape time from its counters and the outbox's backlog. */
function relayMetrics(registers: Registry[], sources: MetricsSources): void {
  followingCounter(
    registers,
    'mandate_audit_relay_published_total',
    'Audit events the relay appended to its destination (JetStream or file).',
    () => sources.relayStats?.().published_total,
  );
  followingCounter(
    registers,
    'mandate_audit_relay_errors_total',
    'Failed relay deliveries (destination down or refusing); the relay retries with backoff.',
    () => sources.relayStats?.().errors_total,
  );
  new Gauge({
    name: 'mandate_audit_relay_up',
    help: '1 while the relay delivers (state relaying), 0 while it starts, retries after an error (failing) or stopped on a fork.',
    registers,
    collect() {
      const s = sources.relayStats?.();
      if (s !== undefined) this.set(s.state === 'relaying' ? 1 : 0);
    },
  });
  backlogMetrics(registers, sources);
  commitMetrics(registers, sources);
}

/** A counter that follows a monotonic figure of `read` (absent until its source is attached). */
function followingCounter(
  registers: Registry[],
  name: string,
  help: string,
  read: () => number | undefined,
): void {
  let last = 0;
  new Counter({
    name,
    help,
    registers,
    collect() {
      const now = read();
      if (now === undefined) return;
      if (now > last) this.inc(now - last);
      last = now;
    },
  });
}

/** The outbox writer's group commits and how often writers contended for the chain head. */
function commitMetrics(registers: Registry[], sources: MetricsSources): void {
  followingCounter(
    registers,
    'mandate_audit_commits_total',
    'Group commits written to the outbox (each one statement holding a batch of audit records).',
    () => sources.outboxStats?.().flushes_total,
  );
  followingCounter(
    registers,
    'mandate_audit_chain_conflicts_total',
    'Group commits that found the chain head moved by another writer (worker or instance) and were sealed again and resent.',
    () => sources.outboxStats?.().conflicts_total,
  );
  followingCounter(
    registers,
    'mandate_audit_chain_locked_total',
    "Group commits written under the chain head's lock after losing the optimistic attempts (heavy contention).",
    () => sources.outboxStats?.().locked_total,
  );
}

function backlogMetrics(registers: Registry[], sources: MetricsSources): void {
  new Gauge({
    name: 'mandate_audit_outbox_pending',
    help: 'Audit events committed to the outbox and not yet delivered by the relay.',
    registers,
    async collect() {
      const b = await sources.relayBacklog?.().catch(() => undefined);
      if (b?.pending !== undefined) this.set(b.pending);
    },
  });
  new Gauge({
    name: 'mandate_audit_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest audit event not yet delivered (0 when none).',
    registers,
    async collect() {
      const b = await sources.relayBacklog?.().catch(() => undefined);
      if (b?.lag_seconds !== undefined) this.set(b.lag_seconds);
    },
  });
}

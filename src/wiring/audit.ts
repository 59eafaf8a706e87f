/**
 * The audit: the transactional outbox the core records into, and the relay that publishes it to
 * NATS JetStream (NATS_URL) or to a JSON-lines file in the data folder. A test may hand in its own
 * port instead; then no relay runs.
 */
import type { BatchWriter } from '../audit/group-commit.js';
import { createOutboxAudit } from '../audit/outbox.js';
import type { AuditPort } from '../audit/port.js';
import { createRelay } from '../audit/relay.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../ops/metrics.js';
import type { Db } from '../store/db.js';
import type { Built } from './built.js';

export interface Audit {
  port: AuditPort;
  /** The relay's backlog as the database says it is now, for /metrics; absent without a relay. */
  relayStats?: () => Promise<Record<string, unknown>>;
}

/**
 * A cluster worker's part in the machine's audit (main.ts): its group commits go to the primary's
 * one chain writer (src/audit/cluster-writer.ts); the first worker's relay wakes on every commit,
 * the others' stand by, polling (a second relay woken by every commit cost ~10 % of two workers'
 * throughput in contention for the mark: bench/README.md, 2026-12-04).
 */
export interface WorkerAudit {
  writer: BatchWriter;
  standbyRelay: boolean;
}

/** How often a standby relay looks for events the listening one has not delivered. */
const STANDBY_POLL_MS = 500;

export function buildAudit(
  config: Config,
  db: Db,
  log: Logger,
  metrics: Metrics,
  given?: AuditPort,
  worker?: WorkerAudit,
): Built<Audit> {
  if (given !== undefined) return { value: { port: given }, close: () => given.close() };
  const port = createOutboxAudit({
    source: config.issuer,
    log,
    ...(worker ? { writer: worker.writer } : { db }),
  });
  const target = config.natsUrl ?? `${config.dataDir}/audit.jsonl`;
  const relay = createRelay({
    db,
    log,
    ...(config.natsUrl === undefined
      ? { file: target }
      : {
          nats: {
            servers: config.natsUrl,
            stream: config.auditStream.name,
            subjectPrefix: config.auditStream.subjectPrefix,
            maxAgeSeconds: config.auditStream.maxAgeSeconds,
            replicas: config.auditStream.replicas,
            ...config.natsClient,
          },
        }),
    statusTimeoutMs: config.database.timeouts.healthMs,
    ...(worker?.standbyRelay ? { listen: false, pollMs: STANDBY_POLL_MS } : {}),
  });
  relay.start();
  metrics.attach({
    relayStats: () => relay.stats(),
    relayBacklog: () => relay.status(),
    outboxStats: () => port.stats(),
  });
  log.info(
    config.natsUrl === undefined
      ? 'audit: relaying to a JSON-lines file (set NATS_URL for JetStream)'
      : 'audit: relaying to NATS JetStream',
    { target, ...(worker ? { standby: worker.standbyRelay } : {}) },
  );
  return {
    // Bounded like the readiness probe.
    value: { port, relayStats: async () => ({ audit_relay: await relay.status() }) },
    close: async () => {
      await port.close();
      await relay.stop();
    },
  };
}

/**
 * The composition root: builds a running Mandate from its configuration, one component at a time
 * (src/wiring/, one builder each), and closes them in reverse. Each builder says at start-up which
 * implementation it is using. `main.ts` listens; tests call this too.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditPort } from './audit/port.js';
import type { Config } from './config/index.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { startSpanExport } from './ops/otlp.js';
import { traceAudit } from './ops/trace-ports.js';
import type { FirstHopContext } from './oauth/first-hop.js';
import { buildAudit, type WorkerAudit } from './wiring/audit.js';
import { Closers } from './wiring/built.js';
import { buildHttp } from './wiring/http.js';
import { buildKeys } from './wiring/keys.js';
import { buildPolicy } from './wiring/policy.js';
import { buildProtocol } from './wiring/protocol.js';
import { buildStore } from './wiring/store.js';

export interface Service {
  app: FastifyInstance;
  /** The protocol core's context, with the first hop's ports. */
  ctx: FirstHopContext;
  /** Prometheus metrics (docs/operations.md#metrics); main.ts serves them on their own port if asked. */
  metrics: Metrics;
  close(): Promise<void>;
  /** Graceful stop (SIGTERM): drain the HTTP server (src/http/drain.ts), then close. */
  shutdown(opts: { quietMs: number; timeoutMs: number }): Promise<{ timedOut: boolean; inFlight: number }>;
}

export interface ServiceOverrides {
  now?: () => number;
  audit?: AuditPort;
  /** A cluster worker's part in the machine's audit: the primary's writer, a standby relay or not. */
  worker?: WorkerAudit;
  env?: Record<string, string | undefined>;
}

export async function createService(
  config: Config,
  log: Logger,
  overrides: ServiceOverrides = {},
): Promise<Service> {
  const now = overrides.now ?? (() => Math.floor(Date.now() / 1000));
  const parts = new Closers();
  const close = () => parts.close();
  const metrics = createMetrics();
  try {
    // First, so that it closes last: the spans of the parts' shutdown are sent too.
    if (config.tracing !== undefined) {
      const spans = await startSpanExport(config.tracing, log);
      parts.own({ value: spans, close: () => spans.close() });
    }
    const store = parts.own(
      await buildStore(config, log, { env: overrides.env ?? process.env, now, metrics }),
    );
    const keys = parts.own(await buildKeys(config, store.db, log));
    const decisions = parts.own(await buildPolicy(config, log, metrics));
    const audit = parts.own(buildAudit(config, store.db, log, metrics, overrides.audit, overrides.worker));
    const protocol = parts.own(
      buildProtocol({ config, log, now, store, keys, decisions, audit: traceAudit(audit.port), metrics }),
    );
    const app = parts.own(buildHttp({ config, log, store, keys, decisions, audit, protocol, metrics }));
    const shutdown = async (opts: { quietMs: number; timeoutMs: number }) => {
      app.drain.begin();
      const drained = await app.drain.settled(opts);
      await close();
      return drained;
    };
    return { app, ctx: protocol.ctx, metrics, close, shutdown };
  } catch (err) {
    await close();
    throw err;
  }
}

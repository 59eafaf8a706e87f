/**
 * The HTTP app (src/http/app.ts) over the protocol core, with the readiness the load balancer
 * asks for: database writable, signing keys loaded, policy bundle in force.
 */
import type { FastifyInstance } from 'fastify';
import { createApp } from '../http/app.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { installHttpMetrics } from '../ops/http-metrics.js';
import type { Metrics } from '../ops/metrics.js';
import type { PolicyDecisionService } from '../policy/engine.js';
import { policyReadiness } from '../policy/status.js';
import type { Built } from './built.js';
import type { Audit } from './audit.js';
import type { Keys } from './keys.js';
import type { Protocol } from './protocol.js';
import type { Store } from './store.js';

export interface HttpParts {
  config: Config;
  metrics: Metrics;
  log: Logger;
  store: Store;
  keys: Keys;
  decisions: PolicyDecisionService;
  audit: Audit;
  protocol: Protocol;
}

export function buildHttp(parts: HttpParts): Built<FastifyInstance> {
  const { store, keys, decisions, audit, protocol } = parts;
  const app = createApp({
    ctx: protocol.ctx,
    grants: protocol.grants,
    log: parts.log,
    jwks: () => keys.signing.jwks(),
    dpopAlgorithms: protocol.dpopAlgorithms,
    register: protocol.register,
    clientIdMetadataDocuments: true,
    trustProxy: parts.config.trustProxy,
    firstHop: protocol.firstHop,
    introspection: protocol.introspection,
    readiness: async () => {
      // Bounded (MANDATE_DB_HEALTH_TIMEOUT_MS), and ok only when the database accepts writes.
      const probe = await store.db.probe();
      return {
        database: { ok: probe.state === 'writable', detail: probe.detail },
        keys: { ok: keys.signing.jwks().keys.length > 0 },
        policy: policyReadiness(decisions.ready(), decisions.status()),
      };
    },
    ...(audit.relayStats === undefined ? {} : { metrics: audit.relayStats }),
  });
  installHttpMetrics(app, parts.metrics, {
    tokenPath: new URL(protocol.ctx.endpoints.token).pathname,
    serveOnMainPort: parts.config.metrics === 'main',
  });
  return { value: app, close: () => app.close() };
}

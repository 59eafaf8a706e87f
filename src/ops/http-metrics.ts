/**
 * The HTTP side of the metrics: every response counted by route pattern, method and status and
 * timed; token endpoint responses by grant type, outcome and OAuth error code (read from the
 * error body the endpoint sends); and GET /metrics when it is served on the main port.
 */
import type { FastifyInstance } from 'fastify';
import { GrantType } from '../oauth/tokens/token-types.js';
import type { Metrics } from './metrics.js';
import { grantTypeOf, routeOf } from './request-log.js';

/**
 * Grant types are free text from the request: anything but a grant Mandate serves (the one list,
 * tokens/token-types.ts) is counted as `other`.
 */
const KNOWN_GRANTS = new Set<string>(Object.values(GrantType));
const errorCodes = new WeakMap<object, string>();

export function installHttpMetrics(
  app: FastifyInstance,
  metrics: Metrics,
  opts: { tokenPath: string; serveOnMainPort: boolean },
): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode >= 400 && routeOf(req) === opts.tokenPath && typeof payload === 'string') {
      try {
        const error = (JSON.parse(payload) as { error?: unknown }).error;
        if (typeof error === 'string') errorCodes.set(req, error.slice(0, 64));
      } catch {
        // not JSON: counted without a code
      }
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = routeOf(req);
    // Unmatched paths are unbounded text: one label for all of them.
    metrics.request(
      req.routeOptions.url === undefined ? '(unmatched)' : route,
      req.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    if (route === opts.tokenPath && req.method === 'POST') {
      const grant = grantTypeOf(req);
      const label = grant === undefined ? '(none)' : KNOWN_GRANTS.has(grant) ? grant : 'other';
      const ok = reply.statusCode < 400;
      metrics.tokenResponse(label, ok ? 'issued' : 'error', ok ? '' : (errorCodes.get(req) ?? 'unknown'));
    }
  });
  if (opts.serveOnMainPort)
    app.get('/metrics', async (_req, reply) => {
      const text = await metrics.text();
      return reply.type(metrics.registry.contentType).header('cache-control', 'no-store').send(text);
    });
}

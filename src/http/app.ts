/**
 * The fastify application: routes are thin adapters over the protocol core (parse → call → serialize).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { OAuthContext } from '../oauth/context.js';
import { OAuthError } from '../oauth/errors.js';
import { errorHandler, sendError } from './errors.js';
import { discoveryRoutes } from './routes/discovery.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { tokenRoute } from './routes/token.js';

export const BODY_LIMIT = 64 * 1024;

export interface AppOptions {
  ctx: OAuthContext;
  log: Logger;
  jwks: () => unknown;
  readiness: ReadinessCheck;
  metrics?: () => Record<string, unknown>;
  dpopAlgorithms?: string[];
  trustProxy?: boolean;
}

export function createApp(opts: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    trustProxy: opts.trustProxy ?? false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: false },
  });
  // Form bodies are parsed by the core (it must see repeated parameters), so keep them as text.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler(errorHandler(opts.log));
  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new OAuthError('invalid_request', `no such endpoint: ${req.method} ${req.url.split('?')[0]}`, {
        status: 404,
      }),
    ),
  );

  const base = new URL(opts.ctx.issuer).pathname.replace(/\/$/, '');
  tokenRoute(app, `${base}/token`, opts.ctx);
  discoveryRoutes(
    app,
    {
      issuer: opts.ctx.issuer,
      tokenEndpoint: opts.ctx.tokenEndpoint,
      jwksUri: `${opts.ctx.issuer}/jwks`,
      jwksPath: `${base}/jwks`,
    },
    opts.jwks,
    opts.dpopAlgorithms === undefined ? {} : { dpopAlgorithms: opts.dpopAlgorithms },
  );
  healthRoutes(app, opts.readiness, opts.metrics ?? (() => ({})));
  return app;
}

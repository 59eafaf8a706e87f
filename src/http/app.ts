/**
 * The fastify application: routes are thin adapters over the protocol core (parse → call → serialize).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { OAuthContext } from '../oauth/context.js';
import type { IntrospectionPorts } from '../oauth/endpoints/introspection.js';
import type { FirstHop } from '../oauth/first-hop.js';
import type { GrantRegistry } from '../oauth/grants/index.js';
import { endpointPaths } from '../oauth/endpoint-urls.js';
import { OAuthError } from '../oauth/errors.js';
import { installDrain } from './drain.js';
import { installRequestLog, requestId } from '../ops/request-log.js';
import { installTracing } from '../ops/http-tracing.js';
import { clientErrorHandler, errorHandler, sendError, toWireError } from './error-handler.js';
import type { DevIdp } from '../federation/dev-idp/provider.js';
import type { Login } from '../federation/login.js';
import { authorizeRoutes } from './routes/authorize.js';
import { devIdpRoutes } from './routes/dev-idp.js';
import { discoveryRoutes } from './routes/discovery.js';
import { revokeRoute } from './routes/revoke.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { introspectRoute } from './routes/introspect.js';
import { authzenRoutes } from './routes/authzen.js';
import { registerRoute } from './routes/register.js';
import { limitByAddress } from './rate-limit.js';
import { noRateLimits } from '../oauth/rate-limit.js';
import { tokenRoute } from './routes/token.js';
import { backchannelRoute } from './routes/bc-authorize.js';
import { approvalRoutes } from './routes/approvals.js';

export const BODY_LIMIT = 64 * 1024;

export interface AppOptions {
  ctx: OAuthContext;
  /** The token endpoint's grants (grants/index.ts grantRegistry), listed by discovery too. */
  grants: GrantRegistry;
  log: Logger;
  jwks: () => unknown;
  readiness: ReadinessCheck;
  metrics?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  dpopAlgorithms?: string[];
  /** fastify's trustProxy (MANDATE_TRUST_PROXY): whose X-Forwarded-For gives `req.ip`. */
  trustProxy?: boolean | number | string[];
  /** RFC 7591 dynamic registration: served at <issuer>/register when given. */
  register?: (body: unknown) => Promise<Record<string, unknown>>;
  /** RFC 7662 introspection: served at <issuer>/introspect when given. */
  introspection?: IntrospectionPorts;
  /** URL client_ids resolve through Client ID Metadata Documents (advertised in metadata). */
  clientIdMetadataDocuments?: boolean;
  /** The first hop: authorization endpoint, consent, login callback, revocation, over its ports. */
  firstHop?: { ports: FirstHop; login: Login; devIdp?: DevIdp; scopesSupported: string[] };
}

/** A hop count as the function fastify makes of one (its types omit the number form). */
function trustProxyOption(
  t: boolean | number | string[],
): boolean | string[] | ((a: string, hop: number) => boolean) {
  return typeof t === 'number' ? (_address, hop) => hop < t : t;
}

/** fastify with the service's logger, limits, proxy trust and JSON errors before routing. */
function newFastify(opts: AppOptions): FastifyInstance {
  return Fastify({
    // One JSON line per request (src/ops/request-log.ts) through the service's pino logger;
    // fastify's own request lines are off (they carry the URL, query string included).
    ...(opts.log.pino === undefined
      ? { logger: false }
      : { loggerInstance: opts.log.pino as FastifyBaseLogger }),
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'req_id' }),
    genReqId: requestId,
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxyOption(opts.trustProxy ?? false),
    // The drain (drain.ts) answers requests during shutdown, with OAuth JSON and Retry-After.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: false },
    // Errors fastify raises before routing (a malformed URL) get the same JSON body as every other.
    frameworkErrors: (err, _req, reply) => sendError(reply, toWireError(err)),
    // And so do requests node's HTTP parser refuses before there is a request to route.
    clientErrorHandler,
  });
}

/** Drain, tracing, the request log, form bodies as text, and OAuth JSON for errors and 404s. */
function installCommon(app: FastifyInstance, log: Logger): void {
  installDrain(app);
  installTracing(app);
  installRequestLog(app);
  // Form bodies are parsed by the core (it must see repeated parameters), so keep them as text.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler(errorHandler(log));
  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new OAuthError('invalid_request', `no such endpoint: ${req.method} ${req.url.split('?')[0]}`, {
        reason: 'no_endpoint',
        status: 404,
      }),
    ),
  );
}

/** The token endpoint and what serves beside it: CIBA, AuthZEN, registration, introspection. */
function protocolRoutes(app: FastifyInstance, opts: AppOptions): void {
  const paths = endpointPaths(opts.ctx.issuer);
  const limits = opts.ctx.rateLimits ?? noRateLimits;
  tokenRoute(app, paths.token, opts.ctx, opts.grants);
  if (opts.ctx.approvals !== undefined) backchannelRoute(app, paths.backchannelAuthentication, opts.ctx);
  authzenRoutes(app, paths, opts.ctx);
  if (opts.register !== undefined)
    registerRoute(app, paths.register, opts.register, opts.log, limitByAddress(limits, 'register'));
  if (opts.introspection !== undefined)
    introspectRoute(app, paths.introspect, { ...opts.ctx, ...opts.introspection });
}

/** The first hop: authorization endpoint and consent, approvals' pages, revocation, the dev IdP. */
function firstHopRoutes(
  app: FastifyInstance,
  opts: AppOptions,
  served: NonNullable<AppOptions['firstHop']>,
): void {
  const base = new URL(opts.ctx.issuer).pathname.replace(/\/$/, '');
  const paths = endpointPaths(opts.ctx.issuer);
  const limits = opts.ctx.rateLimits ?? noRateLimits;
  const firstHop = { ...opts.ctx, firstHop: served.ports };
  authorizeRoutes(app, paths, firstHop, served.login, limitByAddress(limits, 'authorize'));
  if (opts.ctx.approvals !== undefined) approvalRoutes(app, paths.approvals, opts.ctx, served.login);
  revokeRoute(app, paths.revoke, firstHop);
  if (served.devIdp !== undefined)
    devIdpRoutes(app, base, served.devIdp, (login) => limitByAddress(limits, 'login', login));
}

/** RFC 8414 / OIDC discovery and the JWKS, advertising the endpoints and grants this app serves. */
function discovery(app: FastifyInstance, opts: AppOptions): void {
  const paths = endpointPaths(opts.ctx.issuer);
  const urls = opts.ctx.endpoints;
  discoveryRoutes(
    app,
    {
      issuer: opts.ctx.issuer,
      tokenEndpoint: urls.token,
      jwksUri: urls.jwks,
      jwksPath: paths.jwks,
      ...(opts.register === undefined ? {} : { registrationEndpoint: urls.register }),
      ...(opts.introspection === undefined ? {} : { introspectionEndpoint: urls.introspect }),
      ...(opts.ctx.approvals === undefined
        ? {}
        : { backchannelAuthenticationEndpoint: urls.backchannelAuthentication }),
      ...(opts.firstHop === undefined
        ? {}
        : { authorizationEndpoint: urls.authorize, revocationEndpoint: urls.revoke }),
    },
    opts.jwks,
    {
      grantTypes: [...opts.grants.keys()],
      ...(opts.dpopAlgorithms === undefined ? {} : { dpopAlgorithms: opts.dpopAlgorithms }),
      ...(opts.clientIdMetadataDocuments === true ? { clientIdMetadataDocuments: true } : {}),
      ...(opts.firstHop === undefined ? {} : { scopesSupported: opts.firstHop.scopesSupported }),
    },
  );
}

export function createApp(opts: AppOptions): FastifyInstance {
  const app = newFastify(opts);
  installCommon(app, opts.log);
  protocolRoutes(app, opts);
  if (opts.firstHop !== undefined) firstHopRoutes(app, opts, opts.firstHop);
  discovery(app, opts);
  healthRoutes(app, opts.readiness, opts.metrics ?? (() => ({})));
  return app;
}

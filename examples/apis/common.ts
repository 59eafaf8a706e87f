/**
 * What both example APIs share: a fastify app guarded by the kit's fastify adapter, accepting only
 * Mandate-issued downstream tokens (audience = this API, a delegation `act` claim, the route's
 * scopes, DPoP where configured), and a hook that reports each call for the demo's story.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { accessHook, metadataRoute } from '@mandate/mcp-kit/fastify';
import { createResourceServer, OAuthError, type ResourceServer, type VerifiedAccess } from '@mandate/mcp-kit';

export interface ApiOptions {
  /** Mandate's issuer. */
  issuer: string;
  /** The API's resource identifier (default: the service's in rego/mandate/data.json). */
  resource?: string;
  port?: number;
  /** Told about every call, allowed or refused: the demo prints these. */
  onCall?: (call: ApiCall) => void;
  now?: () => number;
}

export interface ApiCall {
  api: string;
  method: string;
  path: string;
  status: number;
  sub?: string;
  jti?: string;
  scheme?: string;
  act?: unknown;
  error?: string;
}

export interface RunningApi {
  url: string;
  resource: string;
  close(): Promise<void>;
}

export function apiResourceServer(
  opts: ApiOptions,
  defaults: { resource: string; name: string; scopes: string[]; dpop: boolean },
): ResourceServer {
  return createResourceServer({
    resource: opts.resource ?? defaults.resource,
    issuer: opts.issuer,
    scopesSupported: defaults.scopes,
    resourceName: defaults.name,
    dpop: { required: defaults.dpop },
    ...(opts.now === undefined ? {} : { now: opts.now }),
  });
}

/** The fastify app with the metadata route and per-call reporting. */
export function apiApp(name: string, rs: ResourceServer, opts: ApiOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get(rs.metadataPath, metadataRoute(rs));
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.url.startsWith('/.well-known/')) return;
    const auth = req.auth;
    opts.onCall?.({
      api: name,
      method: req.method,
      path: req.url,
      status: reply.statusCode,
      ...(auth === undefined
        ? {
            error:
              String(reply.getHeader('www-authenticate') ?? '').match(/error="([^"]+)"/)?.[1] ?? 'refused',
          }
        : { sub: auth.sub, jti: auth.extra.jti, scheme: auth.scheme, act: auth.claims.act }),
    });
  });
  return app;
}

/** A route guard: the token, the route's scopes, and a delegated token (RFC 8693 §4.1 `act`). */
export function guard(rs: ResourceServer, scopes: string[]) {
  const check = accessHook(rs, { scopes });
  return async function (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
    await check.call(this, req, reply);
    if (reply.sent || req.auth === undefined) return reply;
    // A first-hop token never has this audience; one without `act` was not obtained by an MCP server.
    if (typeof req.auth.claims.act !== 'object' || req.auth.claims.act === null) {
      req.auth = undefined;
      const e = new OAuthError('invalid_token', 'a delegated token (with act) is required', { status: 401 });
      return reply
        .code(401)
        .header('www-authenticate', `Bearer resource_metadata="${rs.metadataUrl}", error="invalid_token"`)
        .send(e.toJSON());
    }
    return undefined;
  };
}

export function who(req: FastifyRequest): VerifiedAccess {
  if (req.auth === undefined) throw new Error('route is not guarded');
  return req.auth;
}

export async function listen(app: FastifyInstance, rs: ResourceServer, port = 0): Promise<RunningApi> {
  await app.listen({ port, host: '127.0.0.1' });
  const addr = app.server.address();
  const p = typeof addr === 'object' && addr !== null ? addr.port : port;
  return { url: `http://127.0.0.1:${p}`, resource: rs.resource, close: () => app.close() };
}

/**
 * fastify adapter: a plugin-free pair of a metadata route handler and a `preHandler` hook that
 * guards routes with a {@link ResourceServer}. Types only are imported from fastify, so the kit's
 * core stays framework-free and fastify is needed only by those who use this file.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, RouteHandlerMethod } from 'fastify';
import { toOAuthError } from './errors.js';
import type { ResourceServer, VerifiedAccess } from './resource.js';
import { policyAnswer, refuseToolsTable } from './policy/enforce.js';
import type { ToolPolicy } from './policy/tool-policy.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by {@link accessHook}. */
    auth?: VerifiedAccess;
  }
}

/** Serves the RFC 9728 §3 document: `app.get(rs.metadataPath, metadataRoute(rs))`. */
export function metadataRoute(rs: ResourceServer): RouteHandlerMethod {
  return async (_req: FastifyRequest, reply: FastifyReply) => {
    void reply.header('access-control-allow-origin', '*').header('cache-control', 'max-age=300');
    return rs.metadata;
  };
}

/** What {@link accessHook} checks besides a valid token: scopes per request, the tool policy. */
export interface AccessHookOptions {
  /** Scopes every request needs (default: the resource server's `requiredScopes`). */
  scopes?: readonly string[];
  /**
   * Every JSON-RPC `tools/call` is decided by Mandate's policy ({@link createToolPolicy}): a
   * refusal that scopes would lift is a 403 step-up, any other a tool error with the policy's reason.
   */
  policy?: ToolPolicy;
}

/**
 * A `preHandler` that verifies the access token (RFC 6750 §2.1 / RFC 9449 §7), asks the policy
 * about each tool call when `policy` is given, and sets `request.auth`; refusals are sent with
 * their status, `WWW-Authenticate` and JSON body, policy refusals as MCP tool errors.
 */
export function accessHook(rs: ResourceServer, opts: AccessHookOptions = {}): preHandlerAsyncHookHandler {
  refuseToolsTable(opts, 'accessHook');
  return async (req: FastifyRequest, reply: FastifyReply) => {
    // A client that goes away abandons its wait for the policy (a shared evaluation goes on).
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableEnded) gone.abort(new Error('the client closed the connection'));
    });
    try {
      const access = await rs.authenticate(
        {
          method: req.method,
          target: req.url,
          authorization: req.headers.authorization,
          dpop: req.headers.dpop,
        },
        opts.scopes,
      );
      const refused = await policyAnswer(opts.policy, rs, access, req, gone.signal);
      if (refused !== undefined) return reply.code(200).header('cache-control', 'no-store').send(refused);
      req.auth = access;
    } catch (err) {
      const e = toOAuthError(err);
      return reply
        .code(e.status)
        .headers({ ...e.headers, 'cache-control': 'no-store' })
        .send(e.toJSON());
    }
  };
}

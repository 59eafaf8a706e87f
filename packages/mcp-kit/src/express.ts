/**
 * Express adapter (the MCP SDK's own server examples use Express): serves the RFC 9728 metadata and
 * guards routes with a {@link ResourceServer}. Thin: everything is decided by the framework-free core.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { toOAuthError } from './errors.js';
import type { ResourceServer, VerifiedAccess } from './resource.js';
import { policyAnswer, refuseToolsTable } from './policy/enforce.js';
import type { ToolPolicy } from './policy/tool-policy.js';

/**
 * The verified access of a request guarded by {@link requireAccess}. It is stored as `req.auth`,
 * where the MCP SDK's transport finds it and hands it to tools as `extra.authInfo`; no module
 * augmentation, so it never clashes with the SDK's own declaration of `req.auth`.
 */
export function accessOf(req: Request): VerifiedAccess | undefined {
  return (req as Request & { auth?: VerifiedAccess }).auth;
}

/** Serves the RFC 9728 §3 document; mount it at `rs.metadataPath` (GET). */
export function protectedResourceMetadataHandler(rs: ResourceServer): RequestHandler {
  return (_req: Request, res: Response) => {
    // A public document that browser-based MCP clients fetch cross-origin.
    res.set('Access-Control-Allow-Origin', '*').set('Cache-Control', 'max-age=300').json(rs.metadata);
  };
}

/** What {@link requireAccess} checks besides a valid token: scopes per request, the tool policy. */
export interface RequireAccessOptions {
  /** Scopes every request needs (default: the resource server's `requiredScopes`). */
  scopes?: readonly string[];
  /**
   * Every JSON-RPC `tools/call` is decided by Mandate's policy ({@link createToolPolicy}): a
   * refusal that scopes would lift is a 403 step-up, any other a tool error with the policy's
   * reason. Needs a JSON body parser (`express.json()`) in front.
   */
  policy?: ToolPolicy;
}

/**
 * Verifies the access token (RFC 6750 §2.1 / RFC 9449 §7), asks the policy about each tool call
 * when `policy` is given, and sets `req.auth`; refusals are sent with their status,
 * `WWW-Authenticate` and an RFC 6750 §3 JSON body, policy refusals as MCP tool errors.
 */
export function requireAccess(rs: ResourceServer, opts: RequireAccessOptions = {}): RequestHandler {
  refuseToolsTable(opts, 'requireAccess');
  return (req: Request, res: Response, next: NextFunction) => {
    const dpop = req.headers.dpop;
    // A client that goes away abandons its wait for the policy (a shared evaluation goes on).
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableEnded) gone.abort(new Error('the client closed the connection'));
    });
    rs.authenticate(
      { method: req.method, target: req.originalUrl, authorization: req.headers.authorization, dpop },
      opts.scopes,
    )
      .then(async (access) => {
        const refused = await policyAnswer(opts.policy, rs, access, req, gone.signal);
        if (refused !== undefined) {
          res.status(200).set('Cache-Control', 'no-store').json(refused);
          return;
        }
        (req as Request & { auth?: VerifiedAccess }).auth = access;
        next();
      })
      .catch((err: unknown) => {
        if (!gone.signal.aborted) sendRefusal(res, err);
      });
  };
}

/** Sends an OAuthError (anything else becomes a bare 500 `server_error`). */
export function sendRefusal(res: Response, err: unknown): void {
  const e = toOAuthError(err);
  res.status(e.status).set(e.headers).set('Cache-Control', 'no-store').json(e.toJSON());
}

/** POST <issuer>/register (RFC 7591 §3): JSON in, 201 with the registered metadata out. */
import type { FastifyError, FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Logger } from '../../log.js';
import { OAuthError } from '../../oauth/errors.js';
import { errorHandler, sendError } from '../error-handler.js';

/** Registration metadata is small; a larger body is refused before it is parsed. */
export const REGISTRATION_BODY_LIMIT = 16 * 1024;

const notJson = () =>
  new OAuthError('invalid_request', 'registration requests are application/json (RFC 7591 section 3.1)', {
    reason: 'content_type',
    status: 415,
  });

export function registerRoute(
  app: FastifyInstance,
  path: string,
  register: (body: unknown) => Promise<Record<string, unknown>>,
  log: Logger,
  /** The rate limit per client address, counted before the body is read. */
  limit?: onRequestAsyncHookHandler,
): void {
  const fallback = errorHandler(log);
  app.post(path, {
    ...(limit === undefined ? {} : { onRequest: limit }),
    bodyLimit: REGISTRATION_BODY_LIMIT,
    errorHandler: (err: FastifyError, req, reply) =>
      err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? sendError(reply, notJson()) : fallback(err, req, reply),
    handler: async (req, reply) => {
      // The app parses forms too (for the token endpoint); here only JSON is metadata.
      if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) throw notJson();
      const body = await register(req.body);
      return reply.status(201).headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).send(body);
    },
  });
}

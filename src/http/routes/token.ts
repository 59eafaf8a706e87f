/** POST <issuer>/token: parse → core → serialize. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../oauth/errors.js';
import type { OAuthContext } from '../../oauth/context.js';
import { Params } from '../../oauth/params.js';
import { handleTokenRequest } from '../../oauth/endpoints/token-endpoint.js';
import type { GrantRegistry } from '../../oauth/grants/index.js';

/** Every DPoP header line as sent: node joins repeated headers, so read the raw list. */
export function dpopHeaders(raw: string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (raw[i]?.toLowerCase() === 'dpop') values.push(raw[i + 1] ?? '');
  return values;
}

/**
 * RFC 6749 §3.2: token requests are application/x-www-form-urlencoded. Checked before fastify parses
 * the body, so that text/plain (which fastify would hand over as a string) or JSON is refused as such.
 */
export function requireFormBody(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: (err?: Error) => void,
): void {
  const type = req.headers['content-type'];
  const media = type?.split(';')[0]?.trim().toLowerCase();
  if (type !== undefined && media !== 'application/x-www-form-urlencoded')
    return done(
      new OAuthError('invalid_request', 'unsupported content type: use application/x-www-form-urlencoded', {
        reason: 'content_type',
        status: 415,
      }),
    );
  done();
}

export function tokenRoute(
  app: FastifyInstance,
  path: string,
  ctx: OAuthContext,
  grants: GrantRegistry,
): void {
  app.post(path, { onRequest: requireFormBody }, async (req, reply) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const res = await handleTokenRequest(
      {
        params: Params.parse(body),
        authorization: req.headers.authorization,
        dpop: dpopHeaders(req.raw.rawHeaders),
        method: req.method,
        url: ctx.endpoints.token,
        ip: req.ip,
      },
      ctx,
      grants,
    );
    return reply.status(200).headers(res.headers).send(res.body);
  });
}

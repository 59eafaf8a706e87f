/** POST <issuer>/token: parse → core → serialize. */
import type { FastifyInstance } from 'fastify';
import type { OAuthContext } from '../../oauth/context.js';
import { Params } from '../../oauth/params.js';
import { handleTokenRequest } from '../../oauth/token-endpoint.js';

/** Every DPoP header line as sent: node joins repeated headers, so read the raw list. */
function dpopHeaders(raw: string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (raw[i]?.toLowerCase() === 'dpop') values.push(raw[i + 1] ?? '');
  return values;
}

export function tokenRoute(app: FastifyInstance, path: string, ctx: OAuthContext): void {
  app.post(path, async (req, reply) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const res = await handleTokenRequest(
      {
        params: Params.parse(body),
        authorization: req.headers.authorization,
        dpop: dpopHeaders(req.raw.rawHeaders),
        method: req.method,
        url: ctx.tokenEndpoint,
        ip: req.ip,
      },
      ctx,
    );
    return reply.status(200).headers(res.headers).send(res.body);
  });
}

/** POST <issuer>/revoke (RFC 7009 §2): parse → core → 200 with an empty body, whatever the token was. */
import type { FastifyInstance } from 'fastify';
import type { FirstHopContext } from '../../oauth/first-hop.js';
import { Params } from '../../oauth/params.js';
import { handleRevocation } from '../../oauth/endpoints/revocation.js';

export function revokeRoute(app: FastifyInstance, path: string, ctx: FirstHopContext): void {
  app.post(path, async (req, reply) => {
    await handleRevocation(
      {
        params: Params.parse(typeof req.body === 'string' ? req.body : ''),
        authorization: req.headers.authorization,
        dpop: [],
        method: req.method,
        url: ctx.endpoints.revoke,
        ip: req.ip,
      },
      ctx,
    );
    return reply.status(200).header('Cache-Control', 'no-store').send();
  });
}

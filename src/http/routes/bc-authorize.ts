/**
 * POST <issuer>/bc-authorize (OpenID CIBA Core 1.0 §7): parse → core → 200 with `auth_req_id`,
 * `expires_in` and `interval` (§7.3); refusals are OAuth error JSON like the token endpoint's (§13).
 */
import type { FastifyInstance } from 'fastify';
import type { OAuthContext } from '../../oauth/context.js';
import { handleBackchannelAuthentication } from '../../oauth/endpoints/backchannel-authentication.js';
import { noStore } from '../../oauth/endpoints/token-endpoint.js';
import { Params } from '../../oauth/params.js';
import { dpopHeaders, requireFormBody } from './token.js';

export function backchannelRoute(app: FastifyInstance, path: string, ctx: OAuthContext): void {
  app.post(path, { onRequest: requireFormBody }, async (req, reply) => {
    const body = await handleBackchannelAuthentication(
      {
        params: Params.parse(typeof req.body === 'string' ? req.body : ''),
        authorization: req.headers.authorization,
        dpop: dpopHeaders(req.raw.rawHeaders),
        method: req.method,
        url: ctx.endpoints.backchannelAuthentication,
        ip: req.ip,
      },
      ctx,
    );
    return reply.status(200).headers(noStore).send(body);
  });
}

/** POST <issuer>/introspect (RFC 7662 §2): form in, JSON out, never cached. */
import type { FastifyInstance } from 'fastify';
import { introspect, type IntrospectionDeps } from '../../oauth/endpoints/introspection.js';
import { Params } from '../../oauth/params.js';

export function introspectRoute(app: FastifyInstance, path: string, deps: IntrospectionDeps): void {
  app.post(path, async (req, reply) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const res = await introspect(
      { params: Params.parse(body), authorization: req.headers.authorization },
      deps,
    );
    return reply.status(200).headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).send(res);
  });
}

/**
 * OpenID AuthZEN Authorization API 1.0 over HTTPS (§10): POST JSON evaluations, the PDP metadata,
 * and the request id echoed (§10.1.12). Errors of the whole request are the spec's (§10.1.11):
 * 400 or 401 with an error message string; a decision, allowed or not, is always 200.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { authenticatePep, evaluateAll, evaluateToolCall } from '../../oauth/authzen/evaluate.js';
import { pdpMetadata, pdpMetadataPath } from '../../oauth/authzen/metadata.js';
import { AuthzenRequestError, parseEvaluation, parseEvaluations } from '../../oauth/authzen/request.js';
import type { OAuthContext } from '../../oauth/context.js';
import type { EndpointUrls } from '../../oauth/endpoint-urls.js';
import { OAuthError } from '../../oauth/errors.js';

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

function refuse(reply: FastifyReply, err: unknown): FastifyReply | undefined {
  if (err instanceof AuthzenRequestError)
    return reply.status(400).type('text/plain; charset=utf-8').send(err.message);
  if (err instanceof OAuthError && err.error === 'invalid_client')
    return reply
      .status(401)
      .header('WWW-Authenticate', 'Basic realm="access evaluation"')
      .type('text/plain; charset=utf-8')
      .send(err.description);
  return undefined;
}

export function authzenRoutes(app: FastifyInstance, paths: EndpointUrls, ctx: OAuthContext): void {
  app.get(pdpMetadataPath(ctx.issuer), async (_req, reply) =>
    reply.header('Cache-Control', 'max-age=300').send(pdpMetadata(ctx.issuer, ctx.endpoints)),
  );
  const routes = [
    { path: paths.accessEvaluation, endpoint: 'accessEvaluation', batch: false },
    { path: paths.accessEvaluations, endpoint: 'accessEvaluations', batch: true },
  ] as const;
  for (const { path, endpoint, batch } of routes)
    app.post(path, async (req, reply) => {
      const id = req.headers['x-request-id'];
      if (typeof id === 'string' && REQUEST_ID.test(id)) void reply.header('X-Request-ID', id);
      void reply.header('Cache-Control', 'no-store');
      try {
        const caller = await authenticatePep(ctx, req.headers.authorization, endpoint);
        if (!batch) return await evaluateToolCall(ctx, caller, parseEvaluation(req.body));
        const { evaluations, semantic } = parseEvaluations(req.body);
        return await evaluateAll(ctx, caller, evaluations, semantic);
      } catch (err) {
        const sent = refuse(reply, err);
        if (sent === undefined) throw err;
        return sent;
      }
    });
}

/**
 * Mounts the development IdP (src/federation/dev-idp) under <issuer>/dev-idp. oidc-provider reads
 * request bodies itself, so in this encapsulated context no body parser runs and the raw request
 * and response are handed over (reply.hijack()).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { DevIdp } from '../../federation/dev-idp/provider.js';
import { DEV_IDP_PATH } from '../../federation/dev-idp/provider.js';

/** The login form's submission (provider.ts): `POST <mount>/interaction/<uid>/login`. */
const LOGIN_SUBMIT = /\/interaction\/[^/?]+\/login(?:\?|$)/;

export function devIdpRoutes(
  app: FastifyInstance,
  base: string,
  idp: DevIdp,
  /** The rate limit of login submissions per client address, given the requests it counts. */
  limit?: (login: (req: FastifyRequest) => boolean) => onRequestAsyncHookHandler,
): void {
  void app.register(async (scope) => {
    if (limit !== undefined)
      scope.addHook(
        'onRequest',
        limit((req) => req.method === 'POST' && LOGIN_SUBMIT.test(req.url)),
      );
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      await idp.handle(req.raw, reply.raw);
    };
    scope.all(`${base}${DEV_IDP_PATH}`, handler);
    scope.all(`${base}${DEV_IDP_PATH}/*`, handler);
  });
}

/**
 * The first hop's browser-facing endpoints, thin adapters over src/oauth/authorize and
 * src/federation: the authorization endpoint (GET, and POST per OAuth 2.1 §4.1.1), the consent
 * form's target, and the IdP's redirect back (`/login/callback`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Login } from '../../federation/login.js';
import { LoginFailedError } from '../../federation/login.js';
import { handleConsent } from '../../oauth/authorize/consent.js';
import {
  handleAuthorize,
  logRefusal,
  type AuthorizeOutcome,
} from '../../oauth/authorize/authorization-endpoint.js';
import type { FirstHopContext } from '../../oauth/first-hop.js';
import type { EndpointUrls } from '../../oauth/endpoint-urls.js';
import { OAuthError, reasonOf } from '../../oauth/errors.js';
import type { OAuthContext } from '../../oauth/context.js';
import { Params } from '../../oauth/params.js';
import { pageHeaders } from '../../ui/html.js';
import { consentPage, errorPage } from '../../ui/pages.js';
import { redirectWithCookies } from '../redirect.js';

function query(req: FastifyRequest): string {
  const i = req.url.indexOf('?');
  return i < 0 ? '' : req.url.slice(i + 1);
}

function send(
  req: FastifyRequest,
  reply: FastifyReply,
  o: AuthorizeOutcome,
  consentAction: string,
): FastifyReply {
  if (o.kind === 'redirect') {
    // RFC 9700 §4.11: 303 after a POST, so the browser does not re-post the form to the client.
    return redirectWithCookies(reply, o.location, o.cookies, req.method === 'POST' ? 303 : 302);
  }
  if (o.kind === 'consent') {
    if (o.cookies.length > 0) reply.header('Set-Cookie', o.cookies);
    return reply.status(200).headers(pageHeaders).send(consentPage(o.view, consentAction));
  }
  return reply.status(o.status).headers(pageHeaders).send(errorPage(o.error, o.description));
}

/** Parameters a browser sent, or the page that refuses them (never a redirect: nothing is verified yet). */
function parse(raw: string, ctx: Pick<OAuthContext, 'log'>): Params | AuthorizeOutcome {
  try {
    return Params.parse(raw);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    logRefusal(ctx, { reason: reasonOf(err), error: err.error });
    return { kind: 'page', status: err.status, error: err.error, description: err.message };
  }
}

/** The IdP's redirect back refused as a page, logged: a login that does not verify, or the IdP down. */
function callbackRefusal(ctx: Pick<OAuthContext, 'log'>, reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof LoginFailedError) {
    logRefusal(ctx, { reason: 'login_failed', error: 'access_denied' });
    return reply.status(400).headers(pageHeaders).send(errorPage('access_denied', err.message));
  }
  if ((err as Error).name !== 'IdpUnavailableError') throw err;
  logRefusal(ctx, { reason: 'idp_unavailable', error: 'temporarily_unavailable' });
  return reply
    .status(503)
    .headers({ ...pageHeaders, 'Retry-After': '5' })
    .send(errorPage('temporarily_unavailable', 'the identity provider is unreachable; try again shortly'));
}

export function authorizeRoutes(
  app: FastifyInstance,
  paths: EndpointUrls,
  ctx: FirstHopContext,
  login: Login,
  /** The rate limit of the authorization endpoint per client address. */
  limit?: onRequestAsyncHookHandler,
): void {
  const consentAction = ctx.endpoints.consent;
  const authorize = async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = req.method === 'POST' ? (typeof req.body === 'string' ? req.body : '') : query(req);
    const params = parse(raw, ctx);
    if (!(params instanceof Params)) return send(req, reply, params, consentAction);
    const outcome = await handleAuthorize(params, raw, req.headers.cookie, ctx, login, req.ip);
    return send(req, reply, outcome, consentAction);
  };
  const limited = limit === undefined ? {} : { onRequest: limit };
  app.get(paths.authorize, limited, authorize);
  app.post(paths.authorize, limited, authorize);

  app.post(paths.consent, async (req, reply) => {
    const form = parse(typeof req.body === 'string' ? req.body : '', ctx);
    if (!(form instanceof Params)) return send(req, reply, form, consentAction);
    return send(req, reply, await handleConsent(form, req.headers.cookie, ctx, login, req.ip), consentAction);
  });

  app.get(paths.loginCallback, async (req, reply) => {
    try {
      const next = await login.callback(new URL(req.url, ctx.issuer), req.headers.cookie);
      return redirectWithCookies(reply, next.location, next.cookies);
    } catch (err) {
      return callbackRefusal(ctx, reply, err);
    }
  });
}

/**
 * The authorization endpoint (RFC 6749 §3.1, OAuth 2.1 §4.1): validate, make sure the user is
 * logged in at the IdP, let policy decide the `authorize` action, ask for consent unless it is
 * remembered, and answer the client with a single-use code. The outcome is data (a redirect, a
 * consent view, an error page); the HTTP layer renders it.
 */
import type { OAuthContext } from '../context.js';
import type { FirstHopContext } from '../first-hop.js';
import type { Params } from '../params.js';
import type { RefusalReason } from '../refusals.js';
import { decideAuthorize } from './authorize-decision.js';
import { issueCode } from './issue-code.js';
import type { LoginPort, LoginSession } from './login-port.js';
import {
  AuthorizeError,
  targetOf,
  validateAuthorizationRequest,
  type AuthorizationRequest,
} from './authorization-request.js';
import { errorRedirect } from './authorization-response.js';

export interface ConsentView {
  clientName: string;
  clientId: string;
  redirectHost: string;
  resourceName: string;
  resource: string;
  scopes: string[];
  user: string;
  /** Sealed copy of the request, for the form. */
  request: string;
  csrf: string;
}

export type AuthorizeOutcome =
  | { kind: 'redirect'; location: string; cookies: string[] }
  | { kind: 'consent'; view: ConsentView; cookies: string[] }
  | { kind: 'page'; status: number; error: string; description: string };

/**
 * The one line of a refusal (info): its catalogued reason, its wire error and, once the client is
 * known, the registered client's id; never a value of the request (a code, the redirect URI's
 * query, a cookie). Only a policy denial and a declined consent are also audited
 * (docs/audit.md): an unauthenticated page's every refusal would be a database write.
 */
export function logRefusal(
  ctx: Pick<OAuthContext, 'log'>,
  refusal: { reason: RefusalReason | undefined; error: string; clientId?: string | undefined },
): void {
  ctx.log.info('authorization request refused', {
    ...(refusal.reason === undefined ? {} : { reason: refusal.reason }),
    error: refusal.error,
    ...(refusal.clientId === undefined ? {} : { client_id: refusal.clientId }),
  });
}

/** Turns a validation or decision error into its outcome, logged: a redirect when safe, else a page. */
export function errorOutcome(err: unknown, ctx: Pick<OAuthContext, 'issuer' | 'log'>): AuthorizeOutcome {
  if (!(err instanceof AuthorizeError)) throw err;
  logRefusal(ctx, { reason: err.reason, error: err.error, clientId: err.target?.clientId });
  if (err.target === undefined)
    return { kind: 'page', status: 400, error: err.error, description: err.message };
  return {
    kind: 'redirect',
    location: errorRedirect(err.target, err.error, err.message, ctx.issuer),
    cookies: [],
  };
}

export async function handleAuthorize(
  params: Params,
  query: string,
  cookieHeader: string | undefined,
  ctx: FirstHopContext,
  login: LoginPort,
  ip: string | undefined,
): Promise<AuthorizeOutcome> {
  const fh = ctx.firstHop;
  let req: AuthorizationRequest;
  try {
    req = await validateAuthorizationRequest(params, ctx, fh);
  } catch (err) {
    return errorOutcome(err, ctx);
  }
  const target = targetOf(req);
  const session = req.prompt.includes('login') ? undefined : login.session(cookieHeader);
  if (session === undefined) {
    if (req.prompt.includes('none'))
      return errorOutcome(
        new AuthorizeError('login_required', 'the user is not logged in', target, 'login_required'),
        ctx,
      );
    // prompt=login is honoured once, at the IdP too: the query we come back to no longer asks for it.
    const back = new URLSearchParams(query);
    back.delete('prompt');
    try {
      const started = await login.begin(back.toString(), { forceLogin: req.prompt.includes('login') });
      return { kind: 'redirect', location: started.location, cookies: started.cookies };
    } catch (err) {
      if ((err as Error).name !== 'IdpUnavailableError') throw err;
      ctx.log.warn('login: the identity provider is unreachable', { err: String(err) });
      return errorOutcome(
        new AuthorizeError(
          'temporarily_unavailable',
          'the identity provider is unreachable; try again shortly',
          target,
          'idp_unavailable',
        ),
        ctx,
      );
    }
  }
  return continueAuthorize(req, session, ctx, login, ip, query);
}

/** After login: decide, then consent or code. Also the consent form's path (approve). */
export async function continueAuthorize(
  req: AuthorizationRequest,
  session: LoginSession,
  ctx: FirstHopContext,
  login: LoginPort,
  ip: string | undefined,
  query: string,
  consented = false,
): Promise<AuthorizeOutcome> {
  const fh = ctx.firstHop;
  const target = targetOf(req);
  try {
    const decided = await decideAuthorize(req, session, ctx, ip);
    const key = {
      iss: session.subject.iss,
      sub: session.subject.sub,
      clientId: req.client.clientId,
      resource: req.resource.resource,
    };
    if (consented) await fh.consents.remember(key, decided.decision.scopes, ctx.now());
    const remembered = consented ? decided.decision.scopes : await fh.consents.get(key);
    const covered = remembered !== undefined && decided.decision.scopes.every((s) => remembered.includes(s));
    if (!covered) {
      if (req.prompt.includes('none'))
        throw new AuthorizeError(
          'consent_required',
          'the user has not consented to this client',
          target,
          'consent_required',
        );
      return {
        kind: 'consent',
        cookies: [],
        view: {
          clientName: req.client.clientName ?? req.client.clientId,
          clientId: req.client.clientId,
          redirectHost: new URL(req.redirectUri).host || new URL(req.redirectUri).protocol,
          resourceName: req.resource.name,
          resource: req.resource.resource,
          scopes: decided.decision.scopes,
          user: String(session.subject.claims.name ?? session.subject.claims.email ?? session.subject.sub),
          request: login.sealRequest(session.sid, query),
          csrf: login.csrfToken(session.sid),
        },
      };
    }
    const location = await issueCode(req, session, decided, ctx);
    return { kind: 'redirect', location, cookies: [] };
  } catch (err) {
    return errorOutcome(err, ctx);
  }
}

/**
 * The consent form's submission. The form carries the authorization request sealed to the login
 * session and a CSRF token bound to it (RFC 6749 §10.12, RFC 9700 §4.7), so a cross-site post can
 * neither forge an approval nor replay another session's. The request is validated again: nothing
 * in the form is trusted beyond what was sealed.
 */
import type { FirstHopContext } from '../first-hop.js';
import { Params } from '../params.js';
import {
  continueAuthorize,
  errorOutcome,
  logRefusal,
  type AuthorizeOutcome,
} from './authorization-endpoint.js';
import type { LoginPort } from './login-port.js';
import {
  AuthorizeError,
  targetOf,
  validateAuthorizationRequest,
  type AuthorizationRequest,
} from './authorization-request.js';
import { refusedFact } from '../audit-record.js';
import type { RefusalReasonFor } from '../refusals.js';
import { recordRefusalOrRedirect } from './authorize-decision.js';

/** A declined consent: recorded as a refusal, then `access_denied` to the client (RFC 6749 §4.1.2.1). */
async function decline(
  req: AuthorizationRequest,
  sub: string,
  ctx: FirstHopContext,
): Promise<AuthorizeOutcome> {
  const target = targetOf(req);
  try {
    await recordRefusalOrRedirect(
      ctx,
      {
        tokens: [
          refusedFact({
            kind: 'refused',
            action: 'authorize',
            client_id: req.client.clientId,
            sub,
            aud: req.resource.resource,
            error: 'access_denied',
            reason: 'consent_declined',
          }),
        ],
      },
      'a declined consent',
      target,
    );
  } catch (err) {
    return errorOutcome(err, ctx);
  }
  return errorOutcome(
    new AuthorizeError('access_denied', 'the user declined the request', target, 'consent_declined'),
    ctx,
  );
}

/** The consent form's submission: check the form against the session, then decline or continue. */
export async function handleConsent(
  form: Params,
  cookieHeader: string | undefined,
  ctx: FirstHopContext,
  login: LoginPort,
  ip: string | undefined,
): Promise<AuthorizeOutcome> {
  const page = (status: number, description: string, reason: RefusalReasonFor<'invalid_request'>) => {
    logRefusal(ctx, { reason, error: 'invalid_request' });
    return { kind: 'page', status, error: 'invalid_request', description } satisfies AuthorizeOutcome;
  };
  let sealed: string | undefined;
  let csrf: string | undefined;
  let choice: string | undefined;
  try {
    sealed = form.get('request');
    csrf = form.get('csrf');
    choice = form.get('decision');
  } catch {
    return page(400, 'the consent form is malformed', 'consent_form_malformed');
  }
  const session = login.session(cookieHeader);
  if (session === undefined)
    return page(400, 'your login session has expired: start again from the application', 'consent_session');
  if (csrf === undefined || !login.csrfValid(session.sid, csrf))
    return page(403, 'the consent form is not valid for this session (CSRF check failed)', 'consent_csrf');
  const opened = sealed === undefined ? undefined : login.openRequest(sealed);
  if (opened === undefined || opened.sid !== session.sid)
    return page(
      400,
      'the consent form has expired: start again from the application',
      'consent_form_expired',
    );

  let req;
  try {
    req = await validateAuthorizationRequest(Params.parse(opened.query), ctx, ctx.firstHop);
  } catch (err) {
    return errorOutcome(err, ctx);
  }
  if (choice !== 'approve') return decline(req, session.subject.sub, ctx);
  return continueAuthorize(req, session, ctx, login, ip, opened.query, true);
}

/**
 * GET and POST <issuer>/approvals/<id> (ADR 0014): the approval page, after a login through the
 * first hop's IdP (the same session as the authorization endpoint's); the form carries a CSRF token
 * bound to the session, and the page names who asks, for whom, for what and why.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Login } from '../../federation/login.js';
import { decideApproval, viewApproval, type Person } from '../../oauth/approvals/decide-approval.js';
import type { OAuthContext } from '../../oauth/context.js';
import { Params } from '../../oauth/params.js';
import { approvalDonePage, approvalPage } from '../../ui/approval-page.js';
import { pageHeaders } from '../../ui/html.js';
import { errorPage } from '../../ui/pages.js';
import { redirectWithCookies } from '../redirect.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

function personOf(
  login: Login,
  req: FastifyRequest,
): { person: Person; name: string; sid: string } | undefined {
  const s = login.session(req.headers.cookie);
  if (s === undefined) return undefined;
  const { sub, iss, groups, claims } = s.subject;
  return { person: { sub, iss, groups }, name: String(claims.name ?? claims.email ?? sub), sid: s.sid };
}

const notFound = (reply: FastifyReply) =>
  reply
    .status(404)
    .headers(pageHeaders)
    .send(errorPage('not_found', 'there is no such request for you to see'));

type ApprovalRequest = FastifyRequest<{ Params: { id: string } }>;

const pageUrl = (ctx: OAuthContext, id: string): string => `${ctx.endpoints.approvals}/${id}`;

/** GET: the page for a signed-in approver; a login first for anyone else. */
async function showApproval(ctx: OAuthContext, login: Login, req: ApprovalRequest, reply: FastifyReply) {
  const { id } = req.params;
  if (!ID.test(id)) return notFound(reply);
  const who = personOf(login, req);
  if (who === undefined) {
    const next = await login.begin('', { returnUrl: pageUrl(ctx, id) });
    return redirectWithCookies(reply, next.location, next.cookies);
  }
  const v = await viewApproval(ctx, id, who.person);
  if (v === undefined) return notFound(reply);
  return reply
    .status(200)
    .headers(pageHeaders)
    .send(approvalPage(v, who.name, login.csrfToken(who.sid), pageUrl(ctx, id)));
}

/** POST: the approver's decision, from the page's form with its session-bound CSRF token. */
async function submitApproval(ctx: OAuthContext, login: Login, req: ApprovalRequest, reply: FastifyReply) {
  const { id } = req.params;
  const who = personOf(login, req);
  const form = Params.parse(typeof req.body === 'string' ? req.body : '');
  const csrf = form.get('csrf');
  if (who === undefined || csrf === undefined || !login.csrfValid(who.sid, csrf))
    return reply
      .status(403)
      .headers(pageHeaders)
      .send(
        errorPage(
          'access_denied',
          'this form has expired or was not sent from the approval page: open it again',
        ),
      );
  const decision = form.get('decision');
  if ((decision !== 'approve' && decision !== 'deny') || !ID.test(id))
    return reply
      .status(400)
      .headers(pageHeaders)
      .send(errorPage('invalid_request', 'choose approve or deny'));
  const outcome = await decideApproval(ctx, id, decision === 'approve' ? 'approved' : 'denied', who.person);
  if (outcome === 'gone')
    return reply
      .status(409)
      .headers(pageHeaders)
      .send(errorPage('invalid_request', 'this request was already decided or has expired'));
  if (outcome === 'not_allowed') return notFound(reply);
  if (outcome === 'unavailable')
    return reply
      .status(503)
      .headers(pageHeaders)
      .header('Retry-After', '2')
      .send(
        errorPage(
          'temporarily_unavailable',
          'the decision could not be recorded, so nothing was decided: try again shortly',
        ),
      );
  return reply.status(200).headers(pageHeaders).send(approvalDonePage(outcome));
}

export function approvalRoutes(app: FastifyInstance, prefix: string, ctx: OAuthContext, login: Login): void {
  app.get<{ Params: { id: string } }>(`${prefix}/:id`, (req, reply) => showApproval(ctx, login, req, reply));
  app.post<{ Params: { id: string } }>(`${prefix}/:id`, (req, reply) =>
    submitApproval(ctx, login, req, reply),
  );
}

/**
 * The CIBA grant (OpenID CIBA Core 1.0 §10.1, poll mode; ADR 0014): the client that started an
 * approval polls with its `auth_req_id`. Pending: `authorization_pending`, or `slow_down` when it
 * polls sooner than the interval (which then grows by 5 s, §11); denied: `access_denied`; expired:
 * `expired_token`. Approved: the token the exchange's decision allowed is issued, exactly (the
 * stored decision input, decision and token; its lifetime fixed now and never beyond the subject
 * token's), and the `auth_req_id` is used up: a second redemption is `invalid_grant`. A tool call's
 * approval (authzen/tool-approval.ts) is not redeemable here: `invalid_grant`, as an unknown one.
 */
import { pendingOf, type Pending } from '../approvals/pending.js';
import type { OAuthContext } from '../context.js';
import { OAuthError } from '../errors.js';
import { issueToken } from '../issuance/issue-token.js';
import type { GrantResult, TokenRequest, Trace } from '../token-request.js';
import { opaqueHash } from '../tokens/opaque-secret.js';
import { GrantType } from '../tokens/token-types.js';
import { exchangeBody } from './token-exchange.js';
import type { Grant } from './grant.js';

const unknown = (): OAuthError =>
  new OAuthError('invalid_grant', 'auth_req_id is invalid or was issued to another client', {
    reason: 'auth_req_id_unknown',
  });
const expired = (): OAuthError =>
  new OAuthError('expired_token', 'the approval request has expired', { reason: 'approval_expired' });

/** The answer to a poll of a request that is not (yet) redeemable. */
function notYet(p: Pending, tooFast: boolean, now: number): OAuthError | undefined {
  const { status, expiresAt } = p.record;
  if (status === 'issued')
    return new OAuthError('invalid_grant', 'auth_req_id has already been used', {
      reason: 'auth_req_id_used',
    });
  if (status === 'denied')
    return new OAuthError('access_denied', 'the request was denied', {
      reason: 'approval_denied',
      status: 400,
    });
  if (now >= expiresAt) return expired();
  if (status === 'approved') return undefined;
  return tooFast
    ? new OAuthError('slow_down', `polling too often: wait ${p.record.pollInterval} s between polls`, {
        reason: 'approval_slow_down',
      })
    : new OAuthError('authorization_pending', 'the request has not been approved yet', {
        reason: 'approval_pending',
      });
}

async function redeem(req: TokenRequest, p: Pending, ctx: OAuthContext, trace: Trace): Promise<GrantResult> {
  const { issuance, input, decision, record } = p;
  // The token is bound to the key the request was made with, proved again now (RFC 9449 §4.3).
  if (issuance.token.jkt !== undefined && (await ctx.proof(req)) !== issuance.token.jkt)
    throw new OAuthError('invalid_grant', 'send a DPoP proof with the key the request was made with', {
      reason: 'dpop_jkt_mismatch',
    });
  const now = ctx.now();
  const ttl = Math.min(decision.ttl_seconds, ctx.maxTokenTtl, issuance.subjectExp - now);
  if (ttl <= 0) throw expired();
  if (!(await ctx.approvals!.markIssued(record.authReqIdHash, now)))
    throw new OAuthError('invalid_grant', 'auth_req_id has already been used', {
      reason: 'auth_req_id_used',
    });
  const { body, minted, audit } = await issueToken(ctx, trace, {
    allowed: {
      grantType: GrantType.ciba,
      input,
      decision,
      token: { ...issuance.token, ttlSeconds: ttl, now },
    },
    action: 'token_exchange',
    issuedTokenType: issuance.issuedTokenType,
    ...(issuance.subjectJti === undefined ? {} : { subjectJti: issuance.subjectJti }),
  });
  // decision → approval → issuance: the token event names both.
  const tokens = audit.tokens.map((t) => ({
    ...t,
    approval_id: record.id,
    ...(record.decidedBy === null ? {} : { approver: record.decidedBy.sub }),
  }));
  return {
    response: { body: exchangeBody(body, minted.scope, issuance.requestedScopes), headers: {} },
    audit: { ...audit, tokens },
  };
}

export const ciba: Grant = {
  grantType: GrantType.ciba,
  parameters: new Set(['auth_req_id']),
  requiresClientAuthentication: true,
  // An approval resumes a token exchange: a client that may exchange may redeem it.
  permittedBy: [GrantType.tokenExchange],

  async handle(req, { client }, ctx, trace) {
    const authReqId = req.params.require('auth_req_id');
    if (ctx.approvals === undefined) throw unknown();
    const polled = await ctx.approvals.poll(opaqueHash(authReqId), ctx.now());
    // CIBA §11: an auth_req_id of another client is as good as unknown.
    if (polled === undefined || polled.approval.clientId !== client.clientId) throw unknown();
    const p = pendingOf(polled.approval);
    // A tool call's approval is presented with its AuthZEN evaluation; it never mints a token.
    if (p.input.action !== 'token_exchange') throw unknown();
    trace.sub = p.record.sub;
    const refusal = notYet(p, polled.tooFast, ctx.now());
    if (refusal !== undefined) throw refusal;
    return redeem(req, p, ctx, trace);
  },
};

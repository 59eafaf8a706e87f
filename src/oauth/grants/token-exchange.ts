/**
 * RFC 8693 token exchange: an MCP server presents the user's token and asks for a short-lived token
 * for one downstream service. The decision service decides; Mandate enforces that scopes never grow,
 * the audience is only what was requested and allowed, and the lifetime never exceeds the subject
 * token's. The issued token always records the caller in `act` (§4.1): this is delegation, never
 * impersonation, whichever parameters were sent.
 *
 * Three steps: parse the request (exchange-request.ts), check the parties (exchange-parties.ts),
 * then decide and issue (below): the token itself is produced by the context's mint step
 * (tokens/mint.ts) through the issuance helper every grant uses.
 */
import type { DecisionInput } from '../../policy/contract.js';
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { decideOrRefuse } from '../decisions/decide-or-refuse.js';
import { subjectInput, tokenContext } from '../decisions/subject-input.js';
import { OAuthError } from '../errors.js';
import { issueIdJag } from '../id-jag/issue-id-jag.js';
import { issueToken } from '../issuance/issue-token.js';
import type { GrantResult, TokenRequest, Trace } from '../token-request.js';
import { GrantType, TokenType } from '../tokens/token-types.js';
import { checkParties, type ExchangeParties } from './exchange-parties.js';
import { parseExchangeRequest, type ExchangeRequest } from './exchange-request.js';
import type { Grant } from './grant.js';

/** Step three: the policy decides on the parties and the target; the allowed token is issued. */
async function decideAndIssue(
  req: TokenRequest,
  request: ExchangeRequest,
  { subject: sc, act, prior }: ExchangeParties,
  { client }: AuthenticatedClient,
  ctx: OAuthContext,
  trace: Trace,
): Promise<GrantResult> {
  const requested = request.scopes ?? sc.scopes;
  if (requested === undefined || requested.length === 0)
    throw new OAuthError('invalid_scope', 'scope is required when the subject_token carries none');

  const jkt = await ctx.proof(req);
  const now = ctx.now();
  const input: DecisionInput = {
    action: 'token_exchange',
    now,
    subject: subjectInput(sc),
    client: { client_id: client.clientId, trust: client.trust as DecisionInput['client']['trust'] },
    actor: { sub: act.sub, client_id: act.client_id, ...(prior === undefined ? {} : { act: prior }) },
    target: request.target,
    scopes: requested,
    context: tokenContext(sc, jkt, req.ip),
  };
  const decision = decideOrRefuse(ctx, trace, input);

  const ttl = Math.min(decision.ttl_seconds, ctx.maxTokenTtl, sc.exp - now);
  if (ttl <= 0) throw new OAuthError('invalid_grant', 'subject_token expires too soon', { reason: 'ttl' });
  const { body, minted, audit } = await issueToken(ctx, trace, {
    allowed: {
      grantType: GrantType.tokenExchange,
      input,
      decision,
      token: {
        issuer: ctx.issuer,
        sub: sc.sub,
        aud: request.target.resource ?? request.target.audience ?? '',
        clientId: client.clientId,
        scopes: decision.scopes,
        ttlSeconds: ttl,
        now,
        act,
        ...(jkt === undefined ? {} : { jkt }),
        // The subject's groups travel with it, so that a further exchange is decided on them too.
        ...(input.subject.groups.length === 0 ? {} : { extra: { groups: input.subject.groups } }),
      },
    },
    action: 'token_exchange',
    issuedTokenType: request.requestedTokenType,
    ...(sc.jti === undefined ? {} : { subjectJti: sc.jti }),
  });
  // RFC 8693 §2.2.1: `scope` is sent when it differs from the request's.
  const sameAsRequested = request.scopes !== undefined && minted.scope === request.scopes.join(' ');
  return {
    response: { body: { ...body, ...(sameAsRequested ? {} : { scope: minted.scope }) }, headers: {} },
    audit,
  };
}

export const tokenExchange: Grant = {
  grantType: GrantType.tokenExchange,
  parameters: new Set([
    'subject_token',
    'subject_token_type',
    'actor_token',
    'actor_token_type',
    'requested_token_type',
    'resource',
    'audience',
    'scope',
  ]),
  // RFC 8693 §2.1: resource and audience may each be given more than once.
  repeatable: new Set(['resource', 'audience']),
  requiresClientAuthentication: true,

  async handle(req, auth, ctx, trace) {
    // draft-ietf-oauth-identity-assertion-authz-grant §4.3: an ID-JAG for another server.
    if (req.params.get('requested_token_type') === TokenType.idJag) return issueIdJag(req, auth, ctx, trace);
    const request = parseExchangeRequest(req.params);
    const parties = await checkParties(request, auth, ctx, trace);
    return decideAndIssue(req, request, parties, auth, ctx, trace);
  },
};

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
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { decideOrRefuse } from '../decisions/decide-or-refuse.js';
import { OAuthError } from '../errors.js';
import { issueIdJag } from '../id-jag/issue-id-jag.js';
import { issueToken } from '../issuance/issue-token.js';
import type { GrantResult, TokenRequest, Trace } from '../token-request.js';
import { GrantType, TokenType } from '../tokens/token-types.js';
import { exchangeInput, exchangeToken } from './exchange-input.js';
import { checkParties, type ExchangeParties } from './exchange-parties.js';
import { parseExchangeRequest, type ExchangeRequest } from './exchange-request.js';
import type { Grant } from './grant.js';

/** Step three: the policy decides on the parties and the target; the allowed token is issued. */
async function decideAndIssue(
  req: TokenRequest,
  request: ExchangeRequest,
  parties: ExchangeParties,
  { client }: AuthenticatedClient,
  ctx: OAuthContext,
  trace: Trace,
): Promise<GrantResult> {
  const ask = await exchangeInput(req, request, parties, client, ctx);
  const { input } = ask;
  const decision = decideOrRefuse(ctx, trace, input);
  const sc = parties.subject;

  const ttl = Math.min(decision.ttl_seconds, ctx.maxTokenTtl, sc.exp - input.now);
  if (ttl <= 0) throw new OAuthError('invalid_grant', 'subject_token expires too soon', { reason: 'ttl' });
  const { body, minted, audit } = await issueToken(ctx, trace, {
    allowed: {
      grantType: GrantType.tokenExchange,
      input,
      decision,
      token: {
        ...exchangeToken(ctx, request, parties, ask, decision.scopes),
        ttlSeconds: ttl,
        now: input.now,
      },
    },
    action: 'token_exchange',
    issuedTokenType: request.requestedTokenType,
    ...(sc.jti === undefined ? {} : { subjectJti: sc.jti }),
  });
  return { response: { body: exchangeBody(body, minted.scope, request.scopes), headers: {} }, audit };
}

/** RFC 8693 §2.2.1: `scope` is sent when it differs from the request's. */
export function exchangeBody(
  body: Record<string, unknown>,
  granted: string,
  asked: string[] | undefined,
): Record<string, unknown> {
  const sameAsRequested = asked !== undefined && granted === asked.join(' ');
  return { ...body, ...(sameAsRequested ? {} : { scope: granted }) };
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
    'authorization_details',
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

/**
 * What a token exchange asks the policy, and the token it would mint, from its checked request and
 * parties: one place for the token endpoint's exchange (token-exchange.ts) and the same exchange
 * asked at the backchannel authentication endpoint to wait for an approval (ADR 0014), so that the
 * token issued after an approval is the one the exchange would have issued.
 */
import type { DecisionInput } from '../../policy/contract.js';
import type { OAuthClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { subjectInput, tokenContext } from '../decisions/subject-input.js';
import { OAuthError } from '../errors.js';
import type { TokenRequest } from '../token-request.js';
import type { MintRequest } from '../tokens/mint-access-token.js';
import { TOOL_CALL_DETAIL } from './authorization-details.js';
import type { ExchangeParties } from './exchange-parties.js';
import type { ExchangeRequest } from './exchange-request.js';

/** The token an exchange mints, but for its lifetime and issuance time (set when it is issued). */
export type ExchangeToken = Omit<MintRequest, 'ttlSeconds' | 'now'>;

export interface ExchangeAsk {
  input: DecisionInput;
  /** The DPoP key the request proved, if any. */
  jkt: string | undefined;
}

/** The decision input of an exchange (with its DPoP proof checked). */
export async function exchangeInput(
  req: TokenRequest,
  request: ExchangeRequest,
  { subject: sc, act, prior }: ExchangeParties,
  client: OAuthClient,
  ctx: OAuthContext,
): Promise<ExchangeAsk> {
  const requested = request.scopes ?? sc.scopes;
  if (requested === undefined || requested.length === 0)
    throw new OAuthError('invalid_scope', 'scope is required when the subject_token carries none', {
      reason: 'scope_required',
    });
  const jkt = await ctx.proof(req);
  const input: DecisionInput = {
    action: 'token_exchange',
    now: ctx.now(),
    subject: subjectInput(sc),
    client: { client_id: client.clientId, trust: client.trust as DecisionInput['client']['trust'] },
    actor: { sub: act.sub, client_id: act.client_id, ...(prior === undefined ? {} : { act: prior }) },
    target: request.target,
    scopes: requested,
    context: {
      ...tokenContext(sc, jkt, req.ip),
      ...(request.toolCall === undefined
        ? {}
        : { tool: request.toolCall.tool, arguments: request.toolCall.arguments ?? {} }),
    },
  };
  return { input, jkt };
}

/** The token the exchange mints for `scopes` (the decision's). */
export function exchangeToken(
  ctx: Pick<OAuthContext, 'issuer'>,
  request: ExchangeRequest,
  { subject: sc, act }: ExchangeParties,
  { input, jkt }: ExchangeAsk,
  scopes: string[],
): ExchangeToken {
  return {
    issuer: ctx.issuer,
    sub: sc.sub,
    aud: request.target.resource ?? request.target.audience ?? '',
    clientId: input.client.client_id,
    scopes,
    act,
    ...(jkt === undefined ? {} : { jkt }),
    ...extraClaims(request, input),
  };
}

/**
 * The subject's groups travel with the token, so that a further exchange is decided on them too;
 * and the tool call it was decided for (RFC 9396 §9.1 `authorization_details`), so that the API
 * sees what the token is for.
 */
function extraClaims(request: ExchangeRequest, input: DecisionInput): { extra?: Record<string, unknown> } {
  const extra: Record<string, unknown> = {
    ...(input.subject.groups.length === 0 ? {} : { groups: input.subject.groups }),
    ...(request.toolCall === undefined
      ? {}
      : { authorization_details: [{ type: TOOL_CALL_DETAIL, ...request.toolCall }] }),
  };
  return Object.keys(extra).length === 0 ? {} : { extra };
}

/**
 * Token exchange, step two: the parties. The subject token must have been issued to the caller;
 * the actor is the calling client, or the subject of an actor token that identifies it; a
 * `may_act` in the subject token must name that actor (RFC 8693 §4.4); earlier actors nest under
 * the current one in `act` (§4.1), to a bounded depth.
 */
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { issuedTo } from '../decisions/subject-input.js';
import { OAuthError } from '../errors.js';
import type { Trace } from '../token-request.js';
import type { ActClaim, TokenClaims } from '../tokens/claims.js';
import type { ExchangeRequest } from './exchange-request.js';

const MAX_ACT_DEPTH = 5;

export interface ExchangeParties {
  /** The subject token's typed claims. */
  subject: TokenClaims;
  /** The issued token's `act`: the current actor, earlier actors nested inside it. */
  act: ActClaim & { client_id: string };
  /** The earlier actors alone (the subject token's `act`, or the client it was issued to). */
  prior: ActClaim | undefined;
}

/** RFC 8693 §4.4: every member `may_act` names identifies the actor; one that matches no known claim fails. */
function mayActAllows(mayAct: Readonly<Record<string, string>>, actor: Record<string, string>): boolean {
  const members = Object.entries(mayAct);
  return (
    members.length > 0 &&
    members.every(([name, value]) => Object.hasOwn(actor, name) && actor[name] === value)
  );
}

function actDepth(act: unknown): number {
  let depth = 0;
  for (let a = act; typeof a === 'object' && a !== null; a = (a as { act?: unknown }).act) depth++;
  return depth;
}

/** Without an actor token the actor is the calling client, which Mandate itself authenticated. */
async function actorOf(
  request: ExchangeRequest,
  clientId: string,
  ctx: OAuthContext,
): Promise<{ sub: string; iss: string }> {
  if (request.actor === undefined) return { sub: clientId, iss: ctx.issuer };
  const actor = await ctx.tokens.verify(request.actor.token, request.actor.tokenType, 'actor_token');
  const ac = actor.claims;
  if (ac.sub !== clientId && ac.client_id !== clientId && ac.azp !== clientId)
    throw new OAuthError('invalid_grant', 'actor_token does not identify the calling client', {
      reason: 'actor_mismatch',
    });
  // A token naming someone else as its subject proves that actor only if it was issued to be
  // presented here: otherwise any token the caller holds (say, a user's earlier exchange
  // result) could name that user as the actor and satisfy a may_act naming them.
  if (ac.sub !== clientId && !ac.aud.some((a) => a === ctx.issuer || a === ctx.endpoints.token))
    throw new OAuthError('invalid_grant', 'actor_token must be issued for this authorization server (aud)', {
      reason: 'actor_audience',
    });
  return { sub: ac.sub, iss: ac.iss };
}

export async function checkParties(
  request: ExchangeRequest,
  { client }: AuthenticatedClient,
  ctx: OAuthContext,
  trace: Trace,
): Promise<ExchangeParties> {
  const subject = await ctx.tokens.verify(request.subjectToken, request.subjectTokenType, 'subject_token');
  const sc = subject.claims;
  trace.sub = sc.sub;
  if (!issuedTo(sc, client.clientId, client.audiences))
    throw new OAuthError('invalid_grant', 'subject_token was not issued to this client', {
      reason: 'subject_audience',
    });

  const actor = await actorOf(request, client.clientId, ctx);
  // RFC 8693 §4.4: when the subject names who may act for it, the actor must be that one: every
  // member may_act names must match (a may_act that is not an object, or empty, names no one).
  if (
    sc.may_act !== undefined &&
    !mayActAllows(sc.may_act, { sub: actor.sub, client_id: client.clientId, iss: actor.iss })
  )
    throw new OAuthError('invalid_grant', 'the subject_token does not allow this actor', {
      reason: 'may_act',
    });

  // Earlier actors nest under the current one: the subject token's own `act`, or else the client
  // it was issued to (the AI client below the MCP server).
  const prior: ActClaim | undefined =
    sc.act !== undefined
      ? sc.act
      : sc.client_id !== undefined && sc.client_id !== client.clientId
        ? { sub: sc.client_id, client_id: sc.client_id }
        : undefined;
  const act = { sub: actor.sub, client_id: client.clientId, ...(prior === undefined ? {} : { act: prior }) };
  if (actDepth(act) > MAX_ACT_DEPTH)
    throw new OAuthError('invalid_grant', `delegation chain deeper than ${MAX_ACT_DEPTH} actors`, {
      reason: 'act_depth',
    });
  return { subject: sc, act, prior };
}

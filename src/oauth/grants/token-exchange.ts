/**
 * RFC 8693 token exchange: an MCP server presents the user's token and asks for a short-lived token
 * for one downstream service. The decision service decides; Mandate enforces that scopes never grow,
 * the audience is only what was requested and allowed, and the lifetime never exceeds the subject
 * token's. The issued token always records the caller in `act` (§4.1): this is delegation, never
 * impersonation, whichever parameters were sent.
 */
import type { DecisionInput } from '../../policy/contract.js';
import { mintAccessToken } from '../tokens/mint-access-token.js';
import { OAuthError } from '../errors.js';
import { issueIdJag } from '../id-jag/issue-id-jag.js';
import { parseScope } from '../params.js';
import { issuedTo, subjectInput, tokenContext } from '../decisions/subject-input.js';
import { GrantType, TokenType } from '../tokens/token-types.js';
import type { Grant } from './grant.js';
import { decideOrRefuse } from '../decisions/decide-or-refuse.js';

const MAX_ACT_DEPTH = 5;
const issuable = new Set<string>([TokenType.accessToken, TokenType.jwt]);

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

/** One target service per exchange: at most one `resource` and one `audience` (RFC 8693 §2.1). */
function target(resources: string[], audiences: string[]): DecisionInput['target'] {
  if (resources.length > 1 || audiences.length > 1)
    throw new OAuthError('invalid_target', 'request a token for one target service at a time');
  const [resource] = resources;
  const [audience] = audiences;
  if (resource === undefined && audience === undefined)
    throw new OAuthError('invalid_request', "missing required parameter 'resource' or 'audience'");
  if (resource !== undefined) {
    // RFC 8707 §2: an absolute URI without a fragment.
    let url: URL | undefined;
    try {
      url = new URL(resource);
    } catch {
      url = undefined;
    }
    if (url === undefined || resource.includes('#'))
      throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment');
  }
  return { ...(resource === undefined ? {} : { resource }), ...(audience === undefined ? {} : { audience }) };
}

export const tokenExchange: Grant = {
  grantType: GrantType.tokenExchange,
  requiresClientAuthentication: true,

  async handle(req, auth, ctx, trace) {
    // draft-ietf-oauth-identity-assertion-authz-grant §4.3: an ID-JAG for another server.
    if (req.params.get('requested_token_type') === TokenType.idJag) return issueIdJag(req, auth, ctx, trace);
    const { client } = auth;
    const p = req.params;
    const subjectToken = p.require('subject_token');
    const subjectType = p.require('subject_token_type');
    const actorToken = p.get('actor_token');
    const actorType = p.get('actor_token_type');
    if (actorToken !== undefined && actorType === undefined)
      throw new OAuthError(
        'invalid_request',
        "missing required parameter 'actor_token_type' (actor_token is present)",
      );
    if (actorToken === undefined && actorType !== undefined)
      throw new OAuthError('invalid_request', "'actor_token_type' must not be sent without 'actor_token'");
    const requestedType = p.get('requested_token_type') ?? TokenType.accessToken;
    if (!issuable.has(requestedType))
      throw new OAuthError('invalid_request', `requested_token_type '${requestedType}' is not supported`);
    const tgt = target(p.all('resource'), p.all('audience'));
    const explicitScopes = parseScope(p.get('scope'));

    const subject = await ctx.tokens.verify(subjectToken, subjectType, 'subject_token');
    const sc = subject.claims;
    trace.sub = sc.sub;
    if (!issuedTo(sc, client.clientId, client.audiences))
      throw new OAuthError('invalid_grant', 'subject_token was not issued to this client', {
        reason: 'subject_audience',
      });

    // Without an actor token the actor is the calling client, which Mandate itself authenticated.
    let actorSub = client.clientId;
    let actorIss = ctx.issuer;
    if (actorToken !== undefined) {
      const actor = await ctx.tokens.verify(actorToken, actorType ?? '', 'actor_token');
      const ac = actor.claims;
      if (ac.sub !== client.clientId && ac.client_id !== client.clientId && ac.azp !== client.clientId)
        throw new OAuthError('invalid_grant', 'actor_token does not identify the calling client', {
          reason: 'actor_mismatch',
        });
      // A token naming someone else as its subject proves that actor only if it was issued to be
      // presented here: otherwise any token the caller holds (say, a user's earlier exchange
      // result) could name that user as the actor and satisfy a may_act naming them.
      if (ac.sub !== client.clientId && !ac.aud.some((a) => a === ctx.issuer || a === ctx.endpoints.token))
        throw new OAuthError(
          'invalid_grant',
          'actor_token must be issued for this authorization server (aud)',
          {
            reason: 'actor_audience',
          },
        );
      actorSub = ac.sub;
      actorIss = ac.iss;
    }
    // RFC 8693 §4.4: when the subject names who may act for it, the actor must be that one: every
    // member may_act names must match (a may_act that is not an object, or empty, names no one).
    if (
      sc.may_act !== undefined &&
      !mayActAllows(sc.may_act, { sub: actorSub, client_id: client.clientId, iss: actorIss })
    )
      throw new OAuthError('invalid_grant', 'the subject_token does not allow this actor', {
        reason: 'may_act',
      });

    // Earlier actors nest under the current one: the subject token's own `act`, or else the client
    // it was issued to (the AI client below the MCP server).
    const prior =
      sc.act !== undefined
        ? sc.act
        : sc.client_id !== undefined && sc.client_id !== client.clientId
          ? { sub: sc.client_id, client_id: sc.client_id }
          : undefined;
    const act = { sub: actorSub, client_id: client.clientId, ...(prior === undefined ? {} : { act: prior }) };
    if (actDepth(act) > MAX_ACT_DEPTH)
      throw new OAuthError('invalid_grant', `delegation chain deeper than ${MAX_ACT_DEPTH} actors`, {
        reason: 'act_depth',
      });

    const requested = explicitScopes ?? sc.scopes;
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
      target: tgt,
      scopes: requested,
      context: tokenContext(sc, jkt, req.ip),
    };
    const decision = decideOrRefuse(ctx, trace, input);

    const ttl = Math.min(decision.ttl_seconds, ctx.maxTokenTtl, sc.exp - now);
    if (ttl <= 0) throw new OAuthError('invalid_grant', 'subject_token expires too soon', { reason: 'ttl' });
    const aud = tgt.resource ?? tgt.audience ?? '';
    const { token, claims } = await mintAccessToken(ctx.signer, {
      issuer: ctx.issuer,
      sub: sc.sub,
      aud,
      clientId: client.clientId,
      scopes: decision.scopes,
      ttlSeconds: ttl,
      now,
      act,
      ...(jkt === undefined ? {} : { jkt }),
      // The subject's groups travel with it, so that a further exchange is decided on them too.
      ...(input.subject.groups.length === 0 ? {} : { extra: { groups: input.subject.groups } }),
    });
    const scope = decision.scopes.join(' ');
    const sameAsRequested = explicitScopes !== undefined && scope === explicitScopes.join(' ');
    return {
      response: {
        body: {
          access_token: token,
          issued_token_type: requestedType,
          token_type: jkt === undefined ? 'Bearer' : 'DPoP',
          expires_in: ttl,
          ...(sameAsRequested ? {} : { scope }),
        },
        headers: {},
      },
      audit: {
        decision: trace.decision,
        issued: {
          jti: claims.jti,
          sub: claims.sub,
          client_id: client.clientId,
          aud: [aud],
          scope,
          iat: claims.iat,
          exp: claims.exp,
          act,
          ...(jkt === undefined ? {} : { cnf_jkt: jkt }),
          grant_type: GrantType.tokenExchange,
          decision_id: decision.decision_id,
        },
        tokens: [
          {
            kind: 'issued',
            action: 'token_exchange',
            client_id: client.clientId,
            sub: claims.sub,
            jti: claims.jti,
            aud,
            scope,
            token_type: jkt === undefined ? 'Bearer' : 'DPoP',
            issued_token_type: requestedType,
            iat: claims.iat,
            exp: claims.exp,
            act,
            ...(jkt === undefined ? {} : { cnf_jkt: jkt }),
            decision_id: decision.decision_id,
            ...(sc.jti === undefined ? {} : { subject_jti: sc.jti }),
          },
        ],
      },
    };
  },
};

/**
 * Mandate as the enterprise IdP: RFC 8693 token exchange with
 * `requested_token_type=urn:ietf:params:oauth:token-type:id-jag` issues an Identity Assertion JWT
 * Authorization Grant for another authorization server
 * (draft-ietf-oauth-identity-assertion-authz-grant §4.3). The subject token is an ID token that a
 * trusted upstream IdP issued to the calling client; the policy (action `id_jag`) decides which
 * (audience, resource) pairs, clients, groups and scopes are allowed.
 */
import type { Decision, DecisionInput } from '../../policy/contract.js';
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { newTokenId, type MintRequest } from '../tokens/mint-access-token.js';
import type { MintedToken } from '../tokens/mint.js';
import { issueToken } from '../issuance/issue-token.js';
import { OAuthError } from '../errors.js';
import type { GrantResult, TokenRequest, Trace } from '../token-request.js';
import { parseScope, type Params } from '../params.js';
import { subjectInput, tokenContext } from '../decisions/subject-input.js';
import { GrantType, TokenType } from '../tokens/token-types.js';
import type { TokenClaims } from '../tokens/claims.js';
import { ID_JAG_TYP, isResourceIndicator } from './id-jag-profile.js';
import { signEs256 } from '../tokens/sign-jws.js';
import { decideOrRefuse } from '../decisions/decide-or-refuse.js';

/** §4.3: exactly one `audience`, the other authorization server's issuer identifier (RFC 8414 §2). */
function targetOf(audiences: string[], resources: string[], self: string): DecisionInput['target'] {
  const [audience] = audiences;
  if (audience === undefined)
    throw new OAuthError('invalid_request', "missing required parameter 'audience'", {
      reason: 'parameter_missing',
    });
  if (audiences.length > 1 || resources.length > 1)
    throw new OAuthError(
      'invalid_target',
      'request an ID-JAG for one authorization server and resource at a time',
      { reason: 'resource_many' },
    );
  if (!URL.canParse(audience) || audience.includes('#') || audience.includes('?'))
    throw new OAuthError(
      'invalid_target',
      'audience must be the issuer identifier of an authorization server',
      { reason: 'id_jag_audience' },
    );
  // §7.3: this server must never accept an ID-JAG it issued, so issuing one for itself is useless.
  if (audience === self)
    throw new OAuthError('invalid_target', 'an ID-JAG cannot be issued for this server itself', {
      reason: 'id_jag_self',
    });
  const [resource] = resources;
  if (resource !== undefined && !isResourceIndicator(resource))
    throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment', {
      reason: 'resource_malformed',
    });
  return { audience, ...(resource === undefined ? {} : { resource }) };
}

/**
 * §5: the client_id the other server knows this client by: the policy's mapping, else the same id
 * (Client ID Metadata Document URLs are one namespace for every server).
 */
function remoteClientId(decision: Decision, clientId: string): string {
  return typeof decision.obligations.client_id === 'string' ? decision.obligations.client_id : clientId;
}

/** The ID-JAG (§3): not an access token, so `N_A`, and never recorded as one. */
function signIdJag(
  ctx: OAuthContext,
  t: MintRequest,
  sc: TokenClaims,
  clientId: string,
  target: DecisionInput['target'],
): MintedToken {
  const claims = {
    iss: t.issuer,
    sub: t.sub,
    aud: t.aud,
    client_id: clientId,
    jti: newTokenId(),
    iat: t.now,
    exp: t.now + t.ttlSeconds,
    ...(target.resource === undefined ? {} : { resource: target.resource }),
    scope: t.scopes.join(' '),
    ...(sc.auth_time === undefined ? {} : { auth_time: sc.auth_time }),
    ...(sc.acr === undefined ? {} : { acr: sc.acr }),
    ...(sc.amr === undefined ? {} : { amr: sc.amr }),
    ...(sc.email === undefined ? {} : { email: sc.email }),
    ...(t.jkt === undefined ? {} : { cnf: { jkt: t.jkt } }),
  };
  const { kid, alg, privateKey } = ctx.signer.signingKey();
  const token = signEs256({ alg, kid, typ: ID_JAG_TYP }, claims, privateKey);
  const { sub, aud, jti, iat, exp, scope } = claims;
  return {
    token,
    tokenType: 'N_A',
    ...{ sub, aud, jti, iat, exp, scope },
    ...(t.jkt === undefined ? {} : { jkt: t.jkt }),
    recorded: false,
  };
}

/** §4.3.2: the ID token's audience must be the authenticated client (OIDC Core §3.1.3.7 for `azp`). */
function issuedToClient(claims: TokenClaims, clientId: string): boolean {
  if (!claims.aud.includes(clientId)) return false;
  return claims.aud.length === 1 || claims.azp === clientId;
}

/** The exchange's parameters for an ID-JAG (§4.3): an ID token as subject, no actor, the target. */
function parseIdJagRequest(p: Params, issuer: string) {
  const subjectToken = p.require('subject_token');
  const subjectType = p.require('subject_token_type');
  // §4.3: actor tokens are not used in this profile.
  if (p.has('actor_token') || p.has('actor_token_type'))
    throw new OAuthError('invalid_request', 'actor_token is not used when requesting an ID-JAG', {
      reason: 'id_jag_actor_token',
    });
  if (subjectType !== TokenType.idToken)
    throw new OAuthError('invalid_request', `subject_token_type must be ${TokenType.idToken} for an ID-JAG`, {
      reason: 'id_jag_subject_token_type',
    });
  const target = targetOf(p.all('audience'), p.all('resource'), issuer);
  const requested = parseScope(p.get('scope')) ?? [];
  return { subjectToken, subjectType, target, requested };
}

/** Token exchange with `requested_token_type` ID-JAG: verify the ID token, decide, issue. */
export async function issueIdJag(
  req: TokenRequest,
  { client }: AuthenticatedClient,
  ctx: OAuthContext,
  trace: Trace,
): Promise<GrantResult> {
  const { subjectToken, subjectType, target, requested } = parseIdJagRequest(req.params, ctx.issuer);

  // The ID token asserts who the user is; it grants no scopes, so the policy decides them (§4.3).
  const subject = await ctx.tokens.verify(subjectToken, subjectType, 'subject_token', {
    identityAssertion: true,
  });
  const sc = subject.claims;
  trace.sub = sc.sub;
  if (!issuedToClient(sc, client.clientId))
    throw new OAuthError('invalid_grant', 'subject_token was not issued to this client', {
      reason: 'subject_audience',
    });

  // §7.4.1.1: a DPoP proof on the exchange binds the ID-JAG to its key.
  const jkt = await ctx.proof(req);
  const now = ctx.now();
  const input: DecisionInput = {
    action: 'id_jag',
    now,
    subject: subjectInput(sc),
    client: { client_id: client.clientId, trust: client.trust as DecisionInput['client']['trust'] },
    target,
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
        aud: target.audience ?? '',
        clientId: client.clientId,
        scopes: decision.scopes,
        ttlSeconds: ttl,
        now,
        ...(jkt === undefined ? {} : { jkt }),
      },
    },
    action: 'id_jag',
    issuedTokenType: TokenType.idJag,
    ...(sc.jti === undefined ? {} : { subjectJti: sc.jti }),
    mint: async ({ token: t }) => signIdJag(ctx, t, sc, remoteClientId(decision, client.clientId), target),
  });
  // §4.3.3: not an access token, so `N_A`; no refresh token.
  return { response: { body: { ...body, scope: minted.scope }, headers: {} }, audit };
}

/**
 * Mandate as the enterprise IdP: RFC 8693 token exchange with
 * `requested_token_type=urn:ietf:params:oauth:token-type:id-jag` issues an Identity Assertion JWT
 * Authorization Grant for another authorization server
 * (draft-ietf-oauth-identity-assertion-authz-grant §4.3). The subject token is an ID token that a
 * trusted upstream IdP issued to the calling client; the policy (action `id_jag`) decides which
 * (audience, resource) pairs, clients, groups and scopes are allowed.
 */
import type { DecisionInput } from '../../policy/contract.js';
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { newTokenId } from '../tokens/mint-access-token.js';
import { OAuthError } from '../errors.js';
import type { GrantResult, TokenRequest, Trace } from '../token-request.js';
import { parseScope } from '../params.js';
import { subjectInput, tokenContext } from '../decisions/subject-input.js';
import { TokenType } from '../tokens/token-types.js';
import type { TokenClaims } from '../tokens/claims.js';
import { ID_JAG_TYP, isResourceIndicator } from './id-jag-profile.js';
import { signEs256 } from '../tokens/sign-jws.js';
import { decideOrRefuse } from '../decisions/decide-or-refuse.js';

/** §4.3: exactly one `audience`, the other authorization server's issuer identifier (RFC 8414 §2). */
function targetOf(audiences: string[], resources: string[], self: string): DecisionInput['target'] {
  const [audience] = audiences;
  if (audience === undefined)
    throw new OAuthError('invalid_request', "missing required parameter 'audience'");
  if (audiences.length > 1 || resources.length > 1)
    throw new OAuthError(
      'invalid_target',
      'request an ID-JAG for one authorization server and resource at a time',
    );
  if (!URL.canParse(audience) || audience.includes('#') || audience.includes('?'))
    throw new OAuthError(
      'invalid_target',
      'audience must be the issuer identifier of an authorization server',
    );
  // §7.3: this server must never accept an ID-JAG it issued, so issuing one for itself is useless.
  if (audience === self)
    throw new OAuthError('invalid_target', 'an ID-JAG cannot be issued for this server itself');
  const [resource] = resources;
  if (resource !== undefined && !isResourceIndicator(resource))
    throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment');
  return { audience, ...(resource === undefined ? {} : { resource }) };
}

/** §4.3.2: the ID token's audience must be the authenticated client (OIDC Core §3.1.3.7 for `azp`). */
function issuedToClient(claims: TokenClaims, clientId: string): boolean {
  if (!claims.aud.includes(clientId)) return false;
  return claims.aud.length === 1 || claims.azp === clientId;
}

export async function issueIdJag(
  req: TokenRequest,
  { client }: AuthenticatedClient,
  ctx: OAuthContext,
  trace: Trace,
): Promise<GrantResult> {
  const p = req.params;
  const subjectToken = p.require('subject_token');
  const subjectType = p.require('subject_token_type');
  // §4.3: actor tokens are not used in this profile.
  if (p.has('actor_token') || p.has('actor_token_type'))
    throw new OAuthError('invalid_request', 'actor_token is not used when requesting an ID-JAG');
  if (subjectType !== TokenType.idToken)
    throw new OAuthError('invalid_request', `subject_token_type must be ${TokenType.idToken} for an ID-JAG`);
  const target = targetOf(p.all('audience'), p.all('resource'), ctx.issuer);
  const requested = parseScope(p.get('scope')) ?? [];

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
  // §5: the client_id the other server knows this client by: the policy's mapping, else the same id
  // (Client ID Metadata Document URLs are one namespace for every server).
  const remoteClientId =
    typeof decision.obligations.client_id === 'string' ? decision.obligations.client_id : client.clientId;
  const scope = decision.scopes.join(' ');
  const claims = {
    iss: ctx.issuer,
    sub: sc.sub,
    aud: target.audience,
    client_id: remoteClientId,
    jti: newTokenId(),
    iat: now,
    exp: now + ttl,
    ...(target.resource === undefined ? {} : { resource: target.resource }),
    scope,
    ...(sc.auth_time === undefined ? {} : { auth_time: sc.auth_time }),
    ...(sc.acr === undefined ? {} : { acr: sc.acr }),
    ...(sc.amr === undefined ? {} : { amr: sc.amr }),
    ...(sc.email === undefined ? {} : { email: sc.email }),
    ...(jkt === undefined ? {} : { cnf: { jkt } }),
  };
  const { kid, alg, privateKey } = ctx.signer.signingKey();
  const token = signEs256({ alg, kid, typ: ID_JAG_TYP }, claims, privateKey);

  return {
    response: {
      // §4.3.3: not an access token, so `N_A`; no refresh token.
      body: {
        access_token: token,
        issued_token_type: TokenType.idJag,
        token_type: 'N_A',
        expires_in: ttl,
        scope,
      },
      headers: {},
    },
    audit: {
      decision: trace.decision,
      tokens: [
        {
          kind: 'issued',
          action: 'id_jag',
          client_id: client.clientId,
          sub: claims.sub,
          jti: claims.jti,
          aud: claims.aud,
          scope,
          token_type: 'N_A',
          issued_token_type: TokenType.idJag,
          iat: claims.iat,
          exp: claims.exp,
          ...(jkt === undefined ? {} : { cnf_jkt: jkt }),
          decision_id: decision.decision_id,
          ...(sc.jti === undefined ? {} : { subject_jti: sc.jti }),
        },
      ],
    },
  };
}

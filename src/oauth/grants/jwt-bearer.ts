/**
 * RFC 7523 §2.1 JWT bearer authorization grant, profiled by
 * draft-ietf-oauth-identity-assertion-authz-grant §4.4: Mandate as the authorization server of an
 * MCP server accepts an ID-JAG from an enterprise IdP it trusts and issues an access token for one
 * resource. Scopes are requested ∩ the assertion's ∩ what the policy grants (action `jwt_bearer`);
 * the token is audience-restricted to the resource; no refresh token (§4.4.3); an assertion bound to
 * a key (`cnf.jkt`) needs a DPoP proof with that key (§7.4.1.2) and yields a DPoP-bound token.
 * The same grant type redeems a workload's platform JWT sent without client credentials (MCP
 * SEP-1933, src/oauth/workload/): the assertion then authenticates the client itself.
 */
import type { DecisionInput } from '../../policy/contract.js';
import { OAuthError } from '../errors.js';
import { isResourceIndicator } from '../id-jag/id-jag-profile.js';
import { verifyIdJag } from '../id-jag/verify-id-jag.js';
import { parseScope } from '../params.js';
import { subjectInput, tokenContext } from '../decisions/subject-input.js';
import { GrantType } from '../tokens/token-types.js';
import type { Grant } from './grant.js';
import { redeemAssertion } from '../issuance/redeem-assertion.js';
import { authenticateWorkload } from '../workload/authenticate-workload.js';
import { redeemWorkload } from '../workload/redeem-workload.js';

/** The one resource the token is for: the request's `resource` (RFC 8707 §2.2), within the assertion's. */
function resourceOf(requested: string[], asserted: string[] | undefined): string {
  if (requested.length > 1)
    throw new OAuthError('invalid_target', 'request a token for one resource at a time', {
      reason: 'resource_many',
    });
  const [resource] = requested;
  if (resource !== undefined) {
    if (!isResourceIndicator(resource))
      throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment', {
        reason: 'resource_malformed',
      });
    if (asserted !== undefined && !asserted.includes(resource))
      throw new OAuthError('invalid_target', 'resource is not granted by the assertion', {
        reason: 'resource_not_in_assertion',
      });
    return resource;
  }
  if (asserted === undefined || asserted.length === 0)
    throw new OAuthError(
      'invalid_request',
      "missing required parameter 'resource' (the assertion names none)",
      { reason: 'parameter_missing' },
    );
  if (asserted.length > 1)
    throw new OAuthError('invalid_target', "the assertion names several resources: send 'resource'", {
      reason: 'resource_ambiguous',
    });
  return asserted[0] as string;
}

export const jwtBearer: Grant = {
  grantType: GrantType.jwtBearer,
  parameters: new Set(['assertion', 'scope', 'resource']),
  repeatable: new Set(['resource']),
  // §7.1: confidential clients only.
  requiresClientAuthentication: true,
  authenticate: authenticateWorkload,

  async handle(req, auth, ctx, trace) {
    if ('workload' in auth) return redeemWorkload(req, auth, auth.workload, ctx, trace);
    const { client } = auth;
    const p = req.params;
    const assertion = p.require('assertion');
    const explicitScopes = parseScope(p.get('scope'));
    const { claims, trusted } = await verifyIdJag(assertion, client.clientId, ctx);
    trace.sub = claims.sub;
    const resource = resourceOf(p.all('resource'), claims.resource);

    // §4.4.1 and RFC 6749 §3.3: never more than the assertion carries; what it lacks is dropped.
    const asserted = claims.scopes ?? [];
    const wanted = explicitScopes ?? asserted;
    const scopes = wanted.filter((s) => asserted.includes(s));
    if (wanted.length > 0 && scopes.length === 0)
      throw new OAuthError('invalid_scope', 'none of the requested scopes is granted by the assertion', {
        reason: 'scope_not_in_assertion',
      });

    // §7.4.1.2: a key-bound assertion needs a proof with that very key.
    const jkt = await ctx.proof(req);
    const bound = claims.cnf?.jkt;
    if (bound !== undefined && jkt === undefined)
      throw new OAuthError('invalid_grant', 'proof of possession is required for this assertion', {
        reason: 'cnf_proof_missing',
      });
    if (bound !== undefined && bound !== jkt)
      throw new OAuthError('invalid_grant', "the DPoP proof key does not match the assertion's cnf.jkt", {
        reason: 'cnf_mismatch',
      });

    const now = ctx.now();
    const input: DecisionInput = {
      action: 'jwt_bearer',
      now,
      // The assertion's lifetime bounds the token's: the IdP's word is only good until then.
      subject: { ...subjectInput(claims), scopes: asserted },
      client: { client_id: client.clientId, trust: client.trust as DecisionInput['client']['trust'] },
      target: { resource },
      scopes,
      context: tokenContext(claims, jkt, req.ip),
    };
    // §7.4.1.2.4: a resource that requires sender-constrained tokens refuses an unbound request.
    return redeemAssertion(ctx, trace, input, {
      // RFC 7523 §3 item 7: an ID-JAG's jti is single-use per issuer.
      replayKey: `id_jag:${trusted.issuer}`,
      claims,
      resource,
      clientId: client.clientId,
      jkt,
      now,
      extra: {
        ...(claims.auth_time === undefined ? {} : { auth_time: claims.auth_time }),
        ...(claims.acr === undefined ? {} : { acr: claims.acr }),
      },
    });
  },
};

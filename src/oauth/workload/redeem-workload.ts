/**
 * The jwt-bearer grant (RFC 7523 §2.1) for a workload (MCP SEP-1933): the workload, authenticated
 * by its platform JWT as the client its trust rule names, gets an access token for one `resource`
 * acting as itself (`sub` is the workload, `client_id` the client). Scopes are requested ∩ the
 * rule's ∩ what the policy grants (action `jwt_bearer`, the rule's groups as the subject's); the
 * lifetime never outlasts the assertion; the assertion's `jti` is single-use until it expires.
 */
import type { DecisionInput } from '../../policy/contract.js';
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { subjectInput, tokenContext } from '../decisions/subject-input.js';
import { OAuthError } from '../errors.js';
import { isResourceIndicator } from '../id-jag/id-jag-profile.js';
import { redeemAssertion } from '../issuance/redeem-assertion.js';
import { parseScope } from '../params.js';
import type { GrantResult, TokenRequest, Trace } from '../token-request.js';
import type { VerifiedWorkload } from './verify-workload.js';

/** SEP-1933 "Token Endpoint": `resource` names the one MCP server the token is for. */
function resourceOf(requested: string[], allowed: readonly string[] | undefined): string {
  if (requested.length > 1)
    throw new OAuthError('invalid_target', 'request a token for one resource at a time', {
      reason: 'resource_many',
    });
  const [resource] = requested;
  if (resource === undefined)
    throw new OAuthError('invalid_request', "missing required parameter 'resource'", {
      reason: 'parameter_missing',
    });
  if (!isResourceIndicator(resource))
    throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment', {
      reason: 'resource_malformed',
    });
  if (allowed !== undefined && !allowed.includes(resource))
    throw new OAuthError('invalid_target', 'the workload is not trusted for this resource', {
      reason: 'workload_resource',
    });
  return resource;
}

/** Requested ∩ the rule's ceiling; the rule's scopes when none are requested. */
function scopesOf(explicit: string[] | undefined, ceiling: readonly string[] | undefined): string[] {
  const wanted = explicit ?? [...(ceiling ?? [])];
  const scopes = ceiling === undefined ? wanted : wanted.filter((s) => ceiling.includes(s));
  if (wanted.length > 0 && scopes.length === 0)
    throw new OAuthError('invalid_scope', 'none of the requested scopes is allowed for this workload', {
      reason: 'scope_not_in_rule',
    });
  return scopes;
}

export async function redeemWorkload(
  req: TokenRequest,
  { client }: AuthenticatedClient,
  workload: VerifiedWorkload,
  ctx: OAuthContext,
  trace: Trace,
): Promise<GrantResult> {
  const { claims, issuer, rule } = workload;
  trace.sub = claims.sub;
  const resource = resourceOf(req.params.all('resource'), rule.resources);
  const scopes = scopesOf(parseScope(req.params.get('scope')), rule.scopes);
  const jkt = await ctx.proof(req);
  const now = ctx.now();
  const { scopes: _platformScopes, ...subject } = subjectInput(claims);
  const input: DecisionInput = {
    action: 'jwt_bearer',
    now,
    subject: { ...subject, groups: [...rule.groups] },
    client: { client_id: client.clientId, trust: client.trust as DecisionInput['client']['trust'] },
    target: { resource },
    scopes,
    context: tokenContext(claims, jkt, req.ip),
  };
  return redeemAssertion(ctx, trace, input, {
    replayKey: `workload:${issuer.issuer}`,
    claims,
    resource,
    clientId: client.clientId,
    jkt,
    now,
  });
}

/**
 * What the authorization-code and refresh grants share (the authorization endpoint's decision too):
 * the decision input for a user reaching an MCP server, and the first-hop access token itself
 * (issued through issue-token.ts), an RFC 9068 JWT whose audience is the MCP server (RFC 8707 §2).
 * It carries the user's `groups` and mapped attributes because the MCP server later presents it as
 * the subject token of a token exchange, whose policy reads them there.
 */
import type { DecisionInput } from '../../policy/contract.js';
import type { SubjectAttributes } from '../../store/subjects.js';
import type { MintRequest } from '../tokens/mint-access-token.js';
import type { OAuthClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { OAuthError } from '../errors.js';
import type { FirstHop } from '../first-hop.js';

export function firstHopInput(
  action: 'authorize' | 'refresh',
  subject: SubjectAttributes,
  client: OAuthClient,
  resource: string,
  scopes: string[],
  now: number,
  context: DecisionInput['context'],
): DecisionInput {
  return {
    action,
    now,
    subject: { sub: subject.sub, iss: subject.iss, groups: subject.groups, claims: subject.claims },
    client: { client_id: client.clientId, trust: client.trust as DecisionInput['client']['trust'] },
    target: { resource },
    scopes,
    context,
  };
}

export interface FirstHopIssue {
  subject: SubjectAttributes;
  clientId: string;
  resource: string;
  scopes: string[];
  ttl: number;
  authTime: number;
  jkt: string | undefined;
  now: number;
}

/** The first-hop access token as the mint step receives it (tokens/mint.ts). */
export function firstHopToken(ctx: Pick<OAuthContext, 'issuer'>, t: FirstHopIssue): MintRequest {
  return {
    issuer: ctx.issuer,
    sub: t.subject.sub,
    aud: t.resource,
    clientId: t.clientId,
    scopes: t.scopes,
    ttlSeconds: t.ttl,
    now: t.now,
    ...(t.jkt === undefined ? {} : { jkt: t.jkt }),
    // Attributes first: the registered claims mintAccessToken sets always win over a mapped name.
    extra: { ...t.subject.claims, groups: t.subject.groups, auth_time: t.authTime },
  };
}

/**
 * Tokens only for a resource this instance still serves: a code or refresh token issued for a
 * resource since removed from the configuration is refused, not redeemed.
 */
export function requireServedResource(fh: Pick<FirstHop, 'resources'>, resource: string): void {
  if (fh.resources.get(resource) === undefined)
    throw new OAuthError('invalid_target', 'the resource is no longer served', {
      reason: 'unknown_resource',
    });
}

/**
 * What the authorization-code and refresh grants share: the decision input for a user reaching an
 * MCP server, and the first-hop access token itself, an RFC 9068 JWT whose audience is the MCP
 * server (RFC 8707 §2). It carries the user's `groups` and mapped attributes because the MCP
 * server later presents it as the subject token of a token exchange, whose policy reads them there.
 */
import type { TokenFact } from '../../audit/port.js';
import type { Decision, DecisionInput } from '../../policy/contract.js';
import type { SubjectAttributes } from '../../store/subjects.js';
import type { IssuedTokenRecord } from '../../store/tokens.js';
import { mintAccessToken, type MintedClaims } from '../tokens/mint-access-token.js';
import type { OAuthClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';

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

export async function mintFirstHopToken(
  ctx: OAuthContext,
  t: FirstHopIssue,
): Promise<{ token: string; claims: MintedClaims }> {
  return mintAccessToken(ctx.signer, {
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
  });
}

/** The issuance record and audit fact of a first-hop access token. */
export function issuanceFacts(
  kind: 'issued' | 'refreshed',
  grantType: string,
  claims: MintedClaims,
  decision: Decision,
): { issued: IssuedTokenRecord; fact: TokenFact } {
  const jkt = claims.cnf?.jkt;
  return {
    issued: {
      jti: claims.jti,
      sub: claims.sub,
      client_id: claims.client_id,
      aud: [claims.aud],
      scope: claims.scope,
      iat: claims.iat,
      exp: claims.exp,
      ...(jkt === undefined ? {} : { cnf_jkt: jkt }),
      grant_type: grantType,
      decision_id: decision.decision_id,
    },
    fact: {
      kind,
      action: grantType,
      client_id: claims.client_id,
      sub: claims.sub,
      jti: claims.jti,
      aud: claims.aud,
      scope: claims.scope,
      token_type: jkt === undefined ? 'Bearer' : 'DPoP',
      iat: claims.iat,
      exp: claims.exp,
      ...(jkt === undefined ? {} : { cnf_jkt: jkt }),
      decision_id: decision.decision_id,
    },
  };
}

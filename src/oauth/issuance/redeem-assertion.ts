/**
 * Redeeming a JWT bearer assertion (RFC 7523 §2.1) once its grant has checked it and built the
 * decision input, the same way for an ID-JAG (grants/jwt-bearer.ts) and a workload's platform JWT
 * (workload/redeem-workload.ts): the policy decides, the token never outlives the assertion, the
 * assertion's `jti` is used once (RFC 7523 §3 item 7), and the token is issued for one resource.
 */
import type { DecisionInput } from '../../policy/contract.js';
import type { OAuthContext } from '../context.js';
import { decideOrRefuse } from '../decisions/decide-or-refuse.js';
import { OAuthError } from '../errors.js';
import type { GrantResult, Trace } from '../token-request.js';
import { GrantType } from '../tokens/token-types.js';
import { issueToken } from './issue-token.js';

export interface Assertion {
  /** The replay namespace, e.g. `id_jag:<issuer>`: a `jti` is single-use per issuer. */
  replayKey: string;
  claims: { sub: string; jti: string; exp: number };
  resource: string;
  clientId: string;
  jkt: string | undefined;
  now: number;
  /** Token claims the grant adds (an ID-JAG's `auth_time`, `acr`). */
  extra?: Record<string, unknown>;
}

export async function redeemAssertion(
  ctx: OAuthContext,
  trace: Trace,
  input: DecisionInput,
  { replayKey, claims, resource, clientId, jkt, now, extra }: Assertion,
): Promise<GrantResult> {
  const decision = decideOrRefuse(ctx, trace, input, 'invalid_grant');
  // The assertion's lifetime bounds the token's: its issuer's word is only good until then.
  const ttl = Math.min(decision.ttl_seconds, ctx.maxTokenTtl, claims.exp - now);
  if (ttl <= 0) throw new OAuthError('invalid_grant', 'assertion expires too soon', { reason: 'ttl' });

  // Single use, across instances, remembered until the assertion expires. Written last, so that a
  // refused request does not use up the assertion.
  const first = await ctx.replay.remember(replayKey, claims.jti, claims.exp + ctx.clockSkew);
  if (!first)
    throw new OAuthError('invalid_grant', 'assertion has already been used', { reason: 'jti_replay' });

  const { body, minted, audit } = await issueToken(ctx, trace, {
    allowed: {
      grantType: GrantType.jwtBearer,
      input,
      decision,
      token: {
        issuer: ctx.issuer,
        sub: claims.sub,
        aud: resource,
        clientId,
        scopes: decision.scopes,
        ttlSeconds: ttl,
        now,
        ...(jkt === undefined ? {} : { jkt }),
        ...(extra === undefined ? {} : { extra }),
      },
    },
    action: 'jwt_bearer',
    // The accepted assertion's jti, for lineage back to its issuer.
    subjectJti: claims.jti,
  });
  return { response: { body: { ...body, scope: minted.scope }, headers: {} }, audit };
}

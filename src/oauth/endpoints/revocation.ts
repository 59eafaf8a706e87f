/**
 * Token revocation (RFC 7009). The client authenticates as at the token endpoint (§2.1). A refresh
 * token revokes its whole grant (family and access tokens, §2.1 "SHOULD also invalidate all access
 * tokens based on the same authorization grant"); one of Mandate's access tokens is marked revoked
 * by `jti`. Unknown, expired, foreign or other clients' tokens are answered with 200 as well
 * (§2.2), so that the endpoint reveals nothing about tokens the caller does not hold.
 */
import { authenticateClient } from '../clients/client-auth.js';
import { clientAuthAt } from '../context.js';
import type { FirstHopContext } from '../first-hop.js';
import type { TokenRequest } from '../token-request.js';
import { revokeGrant } from '../grants/revoke-grant.js';
import { opaqueHash } from '../tokens/opaque-secret.js';
import { TokenType } from '../tokens/token-types.js';
import type { TokenClaims } from '../tokens/claims.js';
import { recordAfterTheFact } from '../audit-record.js';
import type { GrantRecord } from '../../store/grants.js';
import type { TokenFact } from '../../audit/port.js';

/** Records a revocation the endpoint made (after the fact: it stands even if the audit log is down). */
function recordRevoked(
  ctx: FirstHopContext,
  fact: Pick<TokenFact, 'client_id' | 'sub' | 'aud' | 'jti' | 'reason'>,
): Promise<void> {
  return recordAfterTheFact(
    ctx,
    { tokens: [{ kind: 'revoked', action: 'revocation', ...fact }] },
    'a revocation',
  );
}

/** A refresh token of the client's revokes its whole grant (§2.1). */
async function revokeFamily(ctx: FirstHopContext, grant: GrantRecord, clientId: string): Promise<void> {
  if (grant.clientId !== clientId || grant.revokedAt !== null) return;
  await revokeGrant(
    ctx,
    ctx.firstHop.grants,
    grant.grantId,
    clientId,
    grant.sub,
    'revocation_request',
    'revocation',
  );
  await recordRevoked(ctx, {
    client_id: clientId,
    sub: grant.sub,
    aud: grant.resource,
    reason: 'refresh_token_family',
  });
}

/** One of Mandate's access tokens, issued to the client, is marked revoked by `jti`. */
async function revokeAccess(ctx: FirstHopContext, token: string, clientId: string): Promise<void> {
  if (token.split('.').length !== 3) return;
  let claims: TokenClaims;
  try {
    const verified = await ctx.tokens.verify(token, TokenType.accessToken, 'token');
    if (!verified.self) return;
    claims = verified.claims;
  } catch {
    return; // expired, foreign or forged: nothing of ours to revoke
  }
  if (claims.client_id !== clientId || claims.jti === undefined) return;
  if (await ctx.firstHop.revokeAccessToken(claims.jti, ctx.now()))
    await recordRevoked(ctx, {
      client_id: clientId,
      sub: claims.sub,
      jti: claims.jti,
      reason: 'access_token',
    });
}

/** Revokes the token the client presents, if it is one of its own; answers nothing either way. */
export async function handleRevocation(req: TokenRequest, ctx: FirstHopContext): Promise<void> {
  const { client } = await authenticateClient(req.authorization, req.params, clientAuthAt(ctx, 'revoke'));
  const token = req.params.require('token');
  // §2.1: the hint only speeds up the lookup; both kinds are tried whatever it says.
  const found = await ctx.firstHop.grants.findRefreshToken(opaqueHash(token));
  if (found !== undefined) return revokeFamily(ctx, found.grant, client.clientId);
  return revokeAccess(ctx, token, client.clientId);
}

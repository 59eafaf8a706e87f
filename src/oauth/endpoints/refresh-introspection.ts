/**
 * The first hop's refresh tokens as introspection sees them (RFC 7662 §2.2): looked up by hash in
 * the grant store; active only while not yet rotated and while its family is neither revoked nor
 * expired. A rotated token is inactive even inside the rotation grace window: that window exists so
 * a retried refresh gets the same successor, not so the old token stays valid.
 */
import type { GrantRepo } from '../../store/grants.js';
import type { RefreshTokenView } from './introspection.js';
import { opaqueHash } from '../tokens/opaque-secret.js';

export function refreshTokenViews(
  grants: Pick<GrantRepo, 'findRefreshToken'>,
): (token: string) => Promise<RefreshTokenView | undefined> {
  return async (token) => {
    const found = await grants.findRefreshToken(opaqueHash(token));
    if (found === undefined) return undefined;
    const { token: rt, grant } = found;
    return {
      clientId: grant.clientId,
      sub: grant.sub,
      resource: grant.resource,
      scope: rt.scope,
      iat: rt.createdAt,
      exp: grant.expiresAt,
      usable: rt.rotatedAt === null && grant.revokedAt === null,
    };
  };
}

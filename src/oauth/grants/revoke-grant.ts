/**
 * Revokes a grant (its refresh-token family and every access token issued under it) and records
 * it: `reused` for a replayed code or refresh token (RFC 6749 §10.5, RFC 9700 §4.14.2), then one
 * `revoked` event per access token. The revocation stands even if the audit log is down.
 */
import type { TokenFact } from '../../audit/port.js';
import type { OAuthContext } from '../context.js';
import type { GrantRepo } from '../../store/grants.js';
import { recordAfterTheFact } from '../audit-record.js';

/** Revokes grant `grantId` in `grants` and records the revocation (see the module comment). */
export async function revokeGrant(
  ctx: OAuthContext,
  grants: GrantRepo,
  grantId: string,
  clientId: string,
  sub: string,
  reason: 'code_replayed' | 'refresh_reused' | 'revocation_request',
  action: string,
): Promise<string[]> {
  const { jtis } = await grants.revoke(grantId, ctx.now(), reason);
  const facts: TokenFact[] = [
    ...(reason === 'revocation_request'
      ? []
      : [{ kind: 'reused' as const, action, client_id: clientId, sub, reason }]),
    ...jtis.map((jti) => ({ kind: 'revoked' as const, action, client_id: clientId, sub, jti, reason })),
  ];
  if (facts.length > 0)
    await recordAfterTheFact(ctx, { tokens: facts }, 'a grant revocation', { grant: grantId });
  return jtis;
}

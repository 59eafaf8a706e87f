/** Builds the decision input's `subject` and `context` from a token's typed claims (tokens/claims.ts). */
import type { DecisionInput } from '../../policy/contract.js';
import type { TokenClaims } from '../tokens/claims.js';

export function subjectInput(claims: TokenClaims): DecisionInput['subject'] {
  return {
    sub: claims.sub,
    iss: claims.iss,
    groups: claims.groups,
    ...(claims.scopes === undefined ? {} : { scopes: claims.scopes }),
    exp: claims.exp,
    claims: claims.others,
  };
}

/** True when the token names `clientId` (or one of the client's resource identifiers) as its audience or party. */
export function issuedTo(claims: TokenClaims, clientId: string, audiences: readonly string[]): boolean {
  if (claims.aud.some((a) => a === clientId || audiences.includes(a))) return true;
  return claims.azp === clientId || claims.client_id === clientId;
}

/** The decision input's `context` for a request made with a verified token (and maybe a DPoP proof). */
export function tokenContext(
  claims: TokenClaims,
  jkt: string | undefined,
  ip: string | undefined,
): DecisionInput['context'] {
  return {
    ...(jkt === undefined ? {} : { dpop_jkt: jkt }),
    ...(claims.auth_time === undefined ? {} : { auth_time: claims.auth_time }),
    ...(claims.acr === undefined ? {} : { acr: claims.acr }),
    ...(ip === undefined ? {} : { ip }),
  };
}

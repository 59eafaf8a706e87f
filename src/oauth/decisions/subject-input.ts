/** Builds the decision input's `subject` from a verified token's claims. */
import type { DecisionInput } from '../../policy/contract.js';

/** Claims that are protocol plumbing rather than attributes of the user. */
const plumbing = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'act',
  'may_act',
  'cnf',
  'scope',
  'scp',
  'nonce',
  'at_hash',
  'c_hash',
]);

export function scopesOf(claims: Record<string, unknown>): string[] | undefined {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter((s) => s !== '');
  if (Array.isArray(claims.scp) && claims.scp.every((s) => typeof s === 'string'))
    return claims.scp as string[];
  return undefined;
}

export function subjectInput(claims: Record<string, unknown>, groupsClaim: string): DecisionInput['subject'] {
  const groups = claims[groupsClaim];
  const scopes = scopesOf(claims);
  return {
    sub: String(claims.sub),
    iss: String(claims.iss),
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
    ...(scopes === undefined ? {} : { scopes }),
    ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
    claims: Object.fromEntries(Object.entries(claims).filter(([k]) => !plumbing.has(k) && k !== groupsClaim)),
  };
}

/** The token's `aud` as a list (RFC 7519 §4.1.3: a string or an array of strings). */
export function audienceOf(claims: Record<string, unknown>): string[] {
  if (typeof claims.aud === 'string') return [claims.aud];
  return Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
}

/** True when the token names `clientId` (or one of the client's resource identifiers) as its audience or party. */
export function issuedTo(
  claims: Record<string, unknown>,
  clientId: string,
  audiences: readonly string[],
): boolean {
  if (audienceOf(claims).some((a) => a === clientId || audiences.includes(a))) return true;
  return claims.azp === clientId || claims.client_id === clientId;
}

/** The decision input's `context` for a request made with a verified token (and maybe a DPoP proof). */
export function tokenContext(
  claims: Record<string, unknown>,
  jkt: string | undefined,
  ip: string | undefined,
): DecisionInput['context'] {
  return {
    ...(jkt === undefined ? {} : { dpop_jkt: jkt }),
    ...(typeof claims.auth_time === 'number' ? { auth_time: claims.auth_time } : {}),
    ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
    ...(ip === undefined ? {} : { ip }),
  };
}

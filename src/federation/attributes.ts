/**
 * Maps the IdP's ID-token claims to the subject attributes policy sees: `sub`, `iss`, the groups
 * (from the configured groups claim, a string array in Okta and Entra ID) and the configured
 * claims, renamed as configured (UPSTREAM_OIDC_CLAIMS).
 */
import type { SubjectAttributes } from '../store/subjects.js';

export interface ClaimMapping {
  groupsClaim: string;
  /** Attribute name → claim name. */
  claims: Record<string, string>;
}

export function subjectFromClaims(claims: Record<string, unknown>, mapping: ClaimMapping): SubjectAttributes {
  const raw = claims[mapping.groupsClaim];
  const groups = Array.isArray(raw)
    ? raw.filter((g): g is string => typeof g === 'string')
    : typeof raw === 'string'
      ? [raw]
      : [];
  const attrs: Record<string, unknown> = {};
  for (const [attr, claim] of Object.entries(mapping.claims))
    if (claims[claim] !== undefined) attrs[attr] = claims[claim];
  return { sub: String(claims.sub), iss: String(claims.iss), groups, claims: attrs };
}

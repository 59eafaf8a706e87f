/**
 * Identifiers of the Identity Assertion JWT Authorization Grant
 * (draft-ietf-oauth-identity-assertion-authz-grant): the JWT `typ` (§3, RFC 8725 §3.11) and the
 * grant profile a resource authorization server advertises in its metadata.
 */
export const ID_JAG_TYP = 'oauth-id-jag+jwt';
export const ID_JAG_GRANT_PROFILE = 'urn:ietf:params:oauth:grant-profile:id-jag';
/** The `token_types` name under which a trusted issuer may assert ID-JAGs (configuration). */
export const ID_JAG_ISSUER_TYPE = 'id_jag';

/** RFC 8707 §2: a resource indicator is an absolute URI without a fragment. */
export function isResourceIndicator(value: string): boolean {
  if (value.includes('#')) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

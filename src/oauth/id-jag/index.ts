/**
 * The Identity Assertion JWT Authorization Grant (draft-ietf-oauth-identity-assertion-authz-grant),
 * both sides of it:
 *
 * - `issue-id-jag.ts`: Mandate as the enterprise IdP issues an ID-JAG by token exchange (§4.3).
 * - `verify-id-jag.ts`: Mandate as the resource authorization server verifies one presented with
 *   the jwt-bearer grant (§4.4, RFC 7523).
 * - `id-jag-profile.ts`: the identifiers of the profile (`typ`, grant profile URI).
 */
export {};

/**
 * Tokens and the values around them:
 *
 * - `mint-access-token.ts`: mints RFC 9068 JWT access tokens.
 * - `mint.ts`: the mint step every grant's token passes through (what the policy allowed → the
 *   token), a seam the composition root fills; Mandate's own minting is the default.
 * - `sign-jws.ts`: compact JWS signing with node:crypto (the hot path).
 * - `verify-jwt.ts`: JWT verification with node:crypto signatures and jose key sets.
 * - `token-verifier.ts`: verifies subject and actor tokens (RFC 8693 §2.1) of Mandate and of
 *   trusted issuers.
 * - `claims.ts`: the one place a verified token's claims become typed values (scope ceiling,
 *   groups, act, may_act, bounded strings and times) for subject, actor, ID-JAG and client assertion.
 * - `jwks-cache.ts`: key sets by URL or inline, built once.
 * - `jose-errors.ts`: jose's errors as precise reasons and descriptions.
 * - `token-types.ts`: token type URIs (RFC 8693 §3) and grant type identifiers, defined once in the
 *   MCP server kit, and their short names in configuration.
 * - `opaque-secret.ts`: authorization codes and refresh tokens, stored only as hashes.
 * - `sealed-value.ts`: authenticated encryption of small values for one purpose (cookies, forms).
 */
export {};

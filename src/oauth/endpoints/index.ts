/**
 * The endpoints a client calls with a form body, and the metadata that advertises them:
 *
 * - `token-endpoint.ts`: the token endpoint (RFC 6749 §3.2): authenticates the client, runs the
 *   grant, records the outcome.
 * - `introspection.ts`: token introspection (RFC 7662).
 * - `refresh-introspection.ts`: the first hop's refresh tokens as introspection sees them.
 * - `revocation.ts`: token revocation (RFC 7009).
 * - `backchannel-authentication.ts`: OpenID CIBA's backchannel authentication endpoint, where an
 *   exchange the policy wants approved starts waiting for the approval (ADR 0014).
 * - `server-metadata.ts`: authorization server metadata (RFC 8414) and its well-known paths.
 */
export {};

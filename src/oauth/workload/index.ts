/**
 * Workload identity federation (MCP SEP-1933): an agent or MCP server authenticates with the
 * RFC 7523 jwt-bearer grant using a JWT from its platform instead of a client secret.
 *
 * - `trust.ts`: the configured issuers and their claim rules (which workload is which client).
 * - `verify-workload.ts`: RFC 7523 §3 checks of the platform JWT, then the rule that names it.
 * - `authenticate-workload.ts`: the token endpoint's client authentication by that JWT.
 * - `redeem-workload.ts`: the grant itself: decision, single-use `jti`, the access token.
 */
export {};

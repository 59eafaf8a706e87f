/**
 * The OAuth protocol core: everything between a parsed request and its response, with no HTTP
 * framework in sight (src/http adapts it to fastify). Arrows point down this list, never up:
 *
 * - `endpoints/`: the token, introspection (RFC 7662) and revocation (RFC 7009) endpoints, and the
 *   authorization server metadata (RFC 8414).
 * - `authorize/`: the authorization endpoint of the first hop (RFC 6749 §4.1, OAuth 2.1), with
 *   request validation, consent and the code it issues.
 * - `grants/`: one file per grant type and the registry the token endpoint dispatches through;
 *   a new grant type goes here.
 * - `connectors/`: downstream connectors: the user's token from a service's own authorization
 *   server (RFC 7523, Salesforce's JWT Bearer Flow, ID-JAG) after policy allowed the exchange.
 * - `id-jag/`: the Identity Assertion JWT Authorization Grant, issued by token exchange and
 *   accepted by the jwt-bearer grant.
 * - `workload/`: workload identity federation (MCP SEP-1933): a workload's platform JWT as the
 *   jwt-bearer grant and the client's authentication, under configured issuer and claim rules.
 * - `authzen/`: OpenID AuthZEN access evaluation of MCP tool calls for resource servers, decided by
 *   the same policy and audited with the access token's `jti`.
 * - `approvals/`: deferred decisions (ADR 0014): an exchange the policy allows once a person
 *   approves it, waiting as an OpenID CIBA poll-mode request.
 * - `decisions/`: asking the decision service (src/policy) and turning its denials into OAuth errors.
 * - `issuance/`: the one issuance helper every grant uses once the policy allows: the mint step
 *   (`tokens/mint.ts`, a seam the composition root may fill), the issuance record, the audit event.
 * - `clients/`: the client model, client authentication, the lookup, RFC 7591 registration and
 *   Client ID Metadata Documents (`clients/cimd/`).
 * - `tokens/`: minting and verifying JWTs (RFC 9068, RFC 7519), the contract of the mint step,
 *   token type short names, opaque and sealed values.
 *
 * And the files every folder shares:
 *
 * - `context.ts`: the ports the core is given (stores, policy, keys, audit, clock).
 * - `endpoint-urls.ts`: the one table of endpoint URLs (context, discovery and routes read it).
 * - `first-hop.ts`: the first hop's ports (codes, grants, consents, subjects, resources), and
 *   `FirstHopContext`, the context of the endpoints that need them.
 * - `token-request.ts`: a form request as the core sees it, and what a grant hands back.
 * - `protected-resources.ts`: the MCP servers first-hop tokens are issued for (RFC 8707).
 * - `audit-record.ts`: a refusal recorded before it is answered (or 503), a revocation after the fact.
 * - `errors.ts`: the kit's OAuth error type (its constructor takes only a catalogued reason), and
 *   the server's mapping of anything thrown to it.
 * - `refusals.ts`: the one catalogue of refusal reasons (reason, wire errors, meaning).
 * - `refusals-doc.ts`: docs/audit.md's list of refusal reasons, generated from the catalogue.
 * - `rate-limit.ts`: rate limits per client or address over a counter port, failing open (429 +
 *   `Retry-After` past a limit).
 * - `params.ts`: form parameters (RFC 6749 §3.2) and scope parsing.
 *
 * DPoP proof checks (RFC 9449), the JWS algorithm table, token type URIs and the OAuthError type are
 * the MCP server kit's (`@mandate/mcp-kit`, packages/mcp-kit), which the server imports.
 */
export {};

/**
 * The grants of the token endpoint, one file each, and the registry it dispatches through. Adding a
 * grant type = adding a file here and its entry in `grantRegistry` below, with the parameters it
 * reads (`Grant.parameters`).
 *
 * - `grant.ts`: the shape every grant exports, with the parameters it declares.
 * - `authorization-code.ts`: the authorization code grant (RFC 6749 §4.1.3) with PKCE.
 * - `refresh-token.ts`: the refresh token grant with rotation (RFC 6749 §6, RFC 9700 §4.14.2).
 * - `token-exchange.ts`: token exchange (RFC 8693) in three steps: parse, check the parties, issue.
 * - `exchange-request.ts`: the exchange's parameters as a typed request (RFC 8693 §2.1).
 * - `exchange-parties.ts`: the exchange's parties: subject, actor, `may_act` (§4.4), the `act` chain.
 * - `jwt-bearer.ts`: the JWT bearer grant (RFC 7523 §2.1) for ID-JAGs and workloads' platform JWTs.
 * - `ciba.ts`: the OpenID CIBA grant (poll mode): redeeming an approved `auth_req_id` (ADR 0014).
 * - `exchange-input.ts`: an exchange's decision input and token, shared with the CIBA request.
 *
 * And three files that are not grant types but parts of these grants, here because what else uses
 * them stands above this folder (an endpoint, the authorization endpoint, AuthZEN) while the grants
 * may not import those:
 *
 * - `authorization-details.ts`: RFC 9396 `authorization_details` (type `mcp_tool_call`) as a typed
 *   tool call: a token exchange parameter, also read by `/bc-authorize` and AuthZEN's approvals.
 * - `revoke-grant.ts`: revoking a grant (a stored one, store/grants.ts: a refresh token family) with
 *   every token issued under it, on a replayed code or refresh token, and at the revocation endpoint.
 * - `pkce.ts`: PKCE S256 (RFC 7636), verified by the code grant, its challenge checked at /authorize.
 *
 * What the code and refresh grants share with the authorization endpoint's decision (the decision
 * input, the first-hop token) is `issuance/first-hop-token.ts`.
 *
 * Every grant issues through `issuance/issue-token.ts` once the policy allows.
 */
import type { FirstHop } from '../first-hop.js';
import { authorizationCode } from './authorization-code.js';
import { ciba } from './ciba.js';
import type { Grant } from './grant.js';
import { jwtBearer } from './jwt-bearer.js';
import { refreshToken } from './refresh-token.js';
import { tokenExchange } from './token-exchange.js';

/** The grants the token endpoint serves, by `grant_type`, in the order discovery lists them. */
export type GrantRegistry = ReadonlyMap<string, Grant>;

/**
 * The registry for what this instance runs: the exchange grants always, and the code and refresh
 * grants with the first hop's ports when it serves the authorization endpoint (an instance that
 * only exchanges answers them `unsupported_grant_type`).
 */
export function grantRegistry(opts: { firstHop?: FirstHop }): GrantRegistry {
  const { firstHop } = opts;
  const all = [
    tokenExchange,
    jwtBearer,
    ciba,
    ...(firstHop === undefined ? [] : [authorizationCode(firstHop), refreshToken(firstHop)]),
  ];
  return new Map(all.map((g) => [g.grantType, g]));
}

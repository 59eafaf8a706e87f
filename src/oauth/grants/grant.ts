/** The shape every grant module exports (one file per grant type; grants/index.ts registers them). */
import type { AuthenticatedClient } from '../clients/client.js';
import type { WorkloadClient } from '../workload/authenticate-workload.js';
import type { OAuthContext } from '../context.js';
import type { GrantResult, Trace, TokenRequest } from '../token-request.js';

/** One grant type of the token endpoint. */
export interface Grant {
  grantType: string;
  /**
   * The parameters the grant reads besides `grant_type` and client authentication's (as
   * node-oidc-provider's grants declare theirs): the token endpoint hands `handle` these alone, and
   * refuses any of them repeated unless it is `repeatable`.
   */
  parameters: ReadonlySet<string>;
  /** The parameters of `parameters` a specification lets repeat (RFC 8693's `resource`, `audience`). */
  repeatable?: ReadonlySet<string>;
  /** Public clients (`none`) may not use this grant. */
  requiresClientAuthentication: boolean;
  /**
   * Other grant types any of which also lets a client use this one (a client that may exchange
   * tokens may redeem the approvals its exchanges waited for); absent, only its own.
   */
  permittedBy?: readonly string[];
  /**
   * For a grant whose own credential authenticates the client (MCP SEP-1933: a workload's platform
   * JWT): the client it names, or undefined for the usual client authentication.
   */
  authenticate?(req: TokenRequest, ctx: OAuthContext): Promise<WorkloadClient | undefined>;
  handle(
    req: TokenRequest,
    client: AuthenticatedClient | WorkloadClient,
    ctx: OAuthContext,
    trace: Trace,
  ): Promise<GrantResult>;
}

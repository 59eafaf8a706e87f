/** The shape every grant module exports (one file per grant type; grants/index.ts registers them). */
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import type { GrantResult, Trace, TokenRequest } from '../token-request.js';

export interface Grant {
  grantType: string;
  /** Public clients (`none`) may not use this grant. */
  requiresClientAuthentication: boolean;
  /**
   * For a grant whose own credential authenticates the client (MCP SEP-1933: a workload's platform
   * JWT): the client it names, or undefined for the usual client authentication.
   */
  authenticate?(req: TokenRequest, ctx: OAuthContext): Promise<AuthenticatedClient | undefined>;
  handle(
    req: TokenRequest,
    client: AuthenticatedClient,
    ctx: OAuthContext,
    trace: Trace,
  ): Promise<GrantResult>;
}

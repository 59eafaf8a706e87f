/** The shape every grant module exports (one file per grant type; grants/index.ts registers them). */
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import type { GrantResult, Trace, TokenRequest } from '../token-request.js';

export interface Grant {
  grantType: string;
  /** Public clients (`none`) may not use this grant. */
  requiresClientAuthentication: boolean;
  handle(
    req: TokenRequest,
    client: AuthenticatedClient,
    ctx: OAuthContext,
    trace: Trace,
  ): Promise<GrantResult>;
}

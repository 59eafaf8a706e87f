/** The shape every grant module exports (one file per grant type; grants/index.ts registers them). */
import type { AuditEntry, DecisionFact } from '../../audit/port.js';
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext, TokenRequest, TokenResponse } from '../context.js';

/** What a grant learned before it failed, so that a refusal is audited with its decision. */
export interface Trace {
  decision?: DecisionFact;
  sub?: string;
}

export interface GrantResult {
  response: TokenResponse;
  /** Recorded before the response is sent: no token leaves without its audit record. */
  audit: AuditEntry;
}

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

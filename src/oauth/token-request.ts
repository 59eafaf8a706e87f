/**
 * A request to an endpoint that takes a form body (token, revocation) as the protocol core sees it,
 * whatever the transport, and what a grant hands back to the token endpoint. The grants, the ID-JAG
 * issuer and the decision helper all speak these types, so they live below all of them.
 */
import type { AuditEntry, DecisionFact } from '../audit/port.js';
import type { Params } from './params.js';

/** One token request as the core sees it, whatever the transport. */
export interface TokenRequest {
  params: Params;
  authorization: string | undefined;
  /** Every `DPoP` header value received (RFC 9449 §4.3 requires exactly one). */
  dpop: string[];
  method: string;
  /** The request URL as the client addressed it (external URL, for DPoP `htu`). */
  url: string;
  ip: string | undefined;
}

export interface TokenResponse {
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

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

/** What the protocol core needs to know about a registered client. */
import type { JSONWebKeySet } from 'jose';
import type { ClientTrust, TokenEndpointAuthMethod } from '../../store/clients.js';

export type { ClientTrust, TokenEndpointAuthMethod };

export interface OAuthClient {
  clientId: string;
  clientName?: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod | string;
  /** base64url(SHA-256(secret)): client secrets are high-entropy, so a fast hash suffices. */
  secretHash?: string | null;
  jwks?: JSONWebKeySet | null;
  jwksUri?: string | null;
  grantTypes: string[];
  /** Identifiers the client answers to as a resource server (e.g. its MCP server URL). */
  audiences: string[];
  trust: ClientTrust | string;
  /** Registered redirect URIs (RFC 6749 §3.1.2), matched exactly at the authorization endpoint. */
  redirectUris?: string[];
}

export interface ClientLookup {
  get(clientId: string): Promise<OAuthClient | undefined>;
}

/**
 * The client the token endpoint authenticated, and how. `workload_assertion`: by a workload's
 * platform JWT, the grant's assertion (MCP SEP-1933); that client is a `WorkloadClient`
 * (workload/authenticate-workload.ts), which carries the verified workload to the grant.
 */
export interface AuthenticatedClient {
  client: OAuthClient;
  method: TokenEndpointAuthMethod | 'workload_assertion';
}

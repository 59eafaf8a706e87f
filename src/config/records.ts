/** Turns the configuration file's clients and issuers into the rows synced into Postgres at start-up. */
import { hashSecret } from '../oauth/clients/client-auth.js';
import type { ClientRecord } from '../store/clients.js';
import type { TrustedIssuerRecord } from '../store/issuers.js';
import type { ConfigFile } from './file.js';

export function clientRecords(
  file: ConfigFile,
  env: Record<string, string | undefined>,
  now: number,
): ClientRecord[] {
  return file.clients.map((c) => {
    const secret =
      c.client_secret ?? (c.client_secret_env === undefined ? undefined : env[c.client_secret_env]);
    return {
      clientId: c.client_id,
      clientName: c.client_name ?? c.client_id,
      secretHash: c.client_secret_sha256 ?? (secret === undefined ? null : hashSecret(secret)),
      tokenEndpointAuthMethod: c.token_endpoint_auth_method,
      jwks: c.jwks ?? null,
      jwksUri: c.jwks_uri ?? null,
      grantTypes: c.grant_types,
      audiences: c.audiences,
      redirectUris: c.redirect_uris,
      scope: c.scope ?? null,
      trust: 'registered',
      source: 'config',
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
      expiresAt: null,
    };
  });
}

export function issuerRecords(file: ConfigFile): TrustedIssuerRecord[] {
  return file.issuers.map((i) => ({
    issuer: i.issuer,
    jwksUri: i.jwks_uri ?? null,
    jwks: i.jwks ?? null,
    algorithms: i.algorithms,
    tokenTypes: i.token_types,
    groupsClaim: i.groups_claim,
    tenant: i.tenant ?? null,
    scopesClaim: i.scopes_claim ?? null,
    scopesWhenAbsent: i.scopes_when_absent,
    source: 'config',
  }));
}

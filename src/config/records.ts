/**
 * Turns the configuration file's clients and issuers into the rows synced into Postgres at start-up,
 * and its workload issuers into the trust the protocol core holds in memory.
 */
import { hashSecret } from '../oauth/clients/client-auth.js';
import type { ClientRecord } from '../store/clients.js';
import type { JSONWebKeySet } from 'jose';
import type { WorkloadIssuer } from '../oauth/workload/trust.js';
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

export function workloadIssuers(file: ConfigFile): WorkloadIssuer[] {
  return file.workload_issuers.map((w) => ({
    issuer: w.issuer,
    ...(w.jwks === undefined ? {} : { jwks: w.jwks as JSONWebKeySet }),
    ...(w.jwks_uri === undefined ? {} : { jwksUri: w.jwks_uri }),
    algorithms: w.algorithms,
    audiences: w.audiences,
    maxLifetimeSeconds: w.max_lifetime_seconds,
    rules: w.rules.map((r) => ({
      clientId: r.client_id,
      ...(r.sub === undefined ? {} : { sub: r.sub }),
      ...(r.sub_pattern === undefined ? {} : { subPattern: r.sub_pattern }),
      claims: r.claims,
      ...(r.resources === undefined ? {} : { resources: r.resources }),
      ...(r.scopes === undefined ? {} : { scopes: r.scopes }),
      groups: r.groups,
    })),
  }));
}

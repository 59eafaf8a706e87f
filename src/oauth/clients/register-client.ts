/**
 * RFC 7591 dynamic client registration. Open registration, as the MCP authorization specification
 * expects: any client may register, public (`none`) or confidential. A confidential client's secret
 * is 256 random bits, returned once and stored only as a hash. A dynamic client that goes unused for
 * the configured time expires and is deleted (client-reaper.ts); it can simply register again.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ClientRecord } from '../../store/clients.js';
import { hashSecret } from './client-auth.js';
import { parseClientMetadata, selfRegisteredClient } from './client-metadata.js';

export interface RegistrationDeps {
  insert(record: ClientRecord): Promise<void>;
  now: () => number;
  /** Seconds of disuse after which a dynamic client expires. */
  ttl: number;
}

/** Registers the client described by `body` (parsed JSON); resolves the RFC 7591 §3.2.1 response. */
export async function registerClient(
  body: unknown,
  deps: RegistrationDeps,
): Promise<Record<string, unknown>> {
  const m = parseClientMetadata(body, 'dcr');
  const now = deps.now();
  const clientId = randomUUID();
  const secret = m.tokenEndpointAuthMethod.startsWith('client_secret_')
    ? randomBytes(32).toString('base64url')
    : undefined;
  await deps.insert(
    selfRegisteredClient(m, {
      clientId,
      clientName: m.clientName ?? clientId,
      secretHash: secret === undefined ? null : hashSecret(secret),
      kind: 'dynamic',
      now,
      lastUsedAt: null,
      expiresAt: now + deps.ttl,
    }),
  );
  return {
    client_id: clientId,
    ...(secret === undefined
      ? {}
      : // §3.2.1: 0 = the secret itself does not expire (the unused client does: see above).
        { client_secret: secret, client_secret_expires_at: 0 }),
    client_id_issued_at: now,
    redirect_uris: m.redirectUris,
    grant_types: m.grantTypes,
    response_types: m.responseTypes,
    token_endpoint_auth_method: m.tokenEndpointAuthMethod,
    ...(m.clientName === undefined ? {} : { client_name: m.clientName }),
    ...(m.scope === undefined ? {} : { scope: m.scope }),
    ...(m.jwks === undefined ? {} : { jwks: m.jwks }),
    ...(m.jwksUri === undefined ? {} : { jwks_uri: m.jwksUri }),
  };
}

/**
 * Client metadata (RFC 7591 §2) as Mandate accepts it, from a registration request or a Client ID
 * Metadata Document: its shape (client-metadata-schema.ts), then Mandate's rules, normalised into a
 * {@link ClientMetadata}. Refusals use the RFC 7591 §3.2.2 codes: `invalid_redirect_uri` for a
 * redirect URI, `invalid_client_metadata` for anything else. Fields Mandate does not use are
 * ignored, which §3.2.1 allows (the response then shows only what was registered).
 */
import type { z } from 'zod';
import type { ClientRecord } from '../../store/clients.js';
import type { TokenEndpointAuthMethod } from './client.js';
import { OAuthError } from '../errors.js';
import type { RefusalReasonFor } from '../refusals.js';
import { parseScope } from '../params.js';
import { GrantType } from '../tokens/token-types.js';
import { clientMetadataSchema, type RawClientMetadata } from './client-metadata-schema.js';
import { redirectUriProblem } from './redirect-uri-rules.js';

/** Grants a self-registered client may use: the first hop only (resource servers are configured). */
const SELF_SERVICE_GRANTS = new Set<string>([GrantType.authorizationCode, GrantType.refreshToken]);
const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
/** Key parameters that only private (or symmetric) keys have: a client publishes public keys only. */
const PRIVATE_KEY_PARAMS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

export interface ClientMetadata {
  redirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  clientName: string | undefined;
  scope: string | undefined;
  jwks: { keys: Record<string, unknown>[] } | undefined;
  jwksUri: string | undefined;
}

/** `dcr`: RFC 7591 registration; `cimd`: a Client ID Metadata Document (no shared secrets). */
export type MetadataProfile = 'dcr' | 'cimd';

function metadataError(description: string, reason: RefusalReasonFor<'invalid_client_metadata'>): OAuthError {
  return new OAuthError('invalid_client_metadata', description, { reason });
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  return field === '' ? 'client metadata must be a JSON object' : `${field}: ${issue?.message ?? 'invalid'}`;
}

type Parsed = RawClientMetadata;

/**
 * Parses and checks client metadata for `profile`: the JSON shape, secrets (CIMD), the
 * authentication method, grants and response types, redirect URIs, keys, and scope, in that order.
 */
export function parseClientMetadata(input: unknown, profile: MetadataProfile): ClientMetadata {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw metadataError('client metadata must be a JSON object', 'not_object');
  const parsed = clientMetadataSchema.safeParse(input);
  if (!parsed.success) throw metadataError(describe(parsed.error), 'schema');
  const m = parsed.data;

  // A metadata document cannot carry a secret: anyone can read it (CIMD §4.1).
  if (profile === 'cimd' && (m.client_secret !== undefined || m.client_secret_expires_at !== undefined))
    throw metadataError('a client metadata document must not contain a client secret', 'cimd_secret');

  const method = authMethodOf(m, profile);
  const { grantTypes, responseTypes } = grantsOf(m);
  const redirectUris = redirectUrisOf(m);
  checkKeys(m, method);
  const scope = scopeOf(m);
  return {
    redirectUris,
    grantTypes,
    responseTypes,
    tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
    clientName: m.client_name,
    scope: scope === '' ? undefined : scope,
    jwks: m.jwks,
    jwksUri: m.jwks_uri,
  };
}

function authMethodOf(m: Parsed, profile: MetadataProfile): string {
  // RFC 7591 §2: the default method is client_secret_basic; a document has no secret, so `none`.
  const method = m.token_endpoint_auth_method ?? (profile === 'cimd' ? 'none' : 'client_secret_basic');
  if (!(AUTH_METHODS as readonly string[]).includes(method))
    throw metadataError(`token_endpoint_auth_method '${method}' is not supported`, 'auth_method');
  if (profile === 'cimd' && method.startsWith('client_secret_'))
    throw metadataError(`a client metadata document cannot use ${method}: it has no secret`, 'cimd_secret');
  return method;
}

/** Self-service grants only, response type `code` only, and the two together. */
function grantsOf(m: Parsed): { grantTypes: string[]; responseTypes: string[] } {
  const grantTypes = [...new Set(m.grant_types ?? [GrantType.authorizationCode])];
  const unsupported = grantTypes.find((g) => !SELF_SERVICE_GRANTS.has(g));
  if (unsupported !== undefined)
    throw metadataError(`grant_type '${unsupported}' is not available to self-registered clients`, 'grant');
  const responseTypes = [...new Set(m.response_types ?? ['code'])];
  const badResponse = responseTypes.find((r) => r !== 'code');
  if (badResponse !== undefined)
    throw metadataError(`response_type '${badResponse}' is not supported: use 'code'`, 'response_type');
  // RFC 7591 §2.1: `authorization_code` and `code` come together.
  if (!grantTypes.includes(GrantType.authorizationCode))
    throw metadataError(
      "grant_types must include 'authorization_code', the grant of response_type 'code'",
      'inconsistent',
    );

  return { grantTypes, responseTypes };
}

function redirectUrisOf(m: Parsed): string[] {
  const redirectUris = [...new Set(m.redirect_uris ?? [])];
  if (redirectUris.length === 0)
    throw new OAuthError(
      'invalid_redirect_uri',
      'redirect_uris is required for the authorization code flow',
      {
        reason: 'redirect_missing',
      },
    );
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined)
      throw new OAuthError('invalid_redirect_uri', `redirect_uri ${uri} ${problem}`, {
        reason: 'redirect_uri',
      });
  }
  return redirectUris;
}

/** jwks or jwks_uri, not both, exactly when private_key_jwt is used; public keys; an https URI. */
function checkKeys(m: Parsed, method: string): void {
  if (m.jwks !== undefined && m.jwks_uri !== undefined)
    throw metadataError('jwks and jwks_uri must not both be present (RFC 7591 section 2)', 'jwks_both');
  if (method === 'private_key_jwt' && m.jwks === undefined && m.jwks_uri === undefined)
    throw metadataError('private_key_jwt needs jwks or jwks_uri', 'jwks_missing');
  if (method !== 'private_key_jwt' && (m.jwks !== undefined || m.jwks_uri !== undefined))
    throw metadataError('jwks and jwks_uri are only used with private_key_jwt', 'jwks_unused');
  if (m.jwks?.keys.some((k) => PRIVATE_KEY_PARAMS.some((p) => p in k) || typeof k.kty !== 'string'))
    throw metadataError('jwks must hold public keys only', 'jwks_private');
  if (m.jwks_uri !== undefined && !/^https:\/\/[^/]/.test(m.jwks_uri))
    throw metadataError('jwks_uri must be an https URL', 'jwks_uri');
}

function scopeOf(m: Parsed): string | undefined {
  let scope: string | undefined;
  if (m.scope !== undefined) {
    try {
      scope = parseScope(m.scope)?.join(' ');
    } catch {
      throw metadataError('scope is malformed', 'scope');
    }
  }
  return scope;
}

/** The stored client a self-registered client's metadata describes (RFC 7591 registration or a CIMD). */
export function selfRegisteredClient(
  m: ClientMetadata,
  c: {
    clientId: string;
    clientName: string;
    secretHash: string | null;
    kind: 'dynamic' | 'cimd';
    now: number;
    lastUsedAt: number | null;
    expiresAt: number;
  },
): ClientRecord {
  return {
    clientId: c.clientId,
    clientName: c.clientName,
    secretHash: c.secretHash,
    tokenEndpointAuthMethod: m.tokenEndpointAuthMethod,
    jwks: m.jwks ?? null,
    jwksUri: m.jwksUri ?? null,
    grantTypes: m.grantTypes,
    audiences: [],
    redirectUris: m.redirectUris,
    scope: m.scope ?? null,
    trust: c.kind,
    source: c.kind,
    createdAt: c.now,
    updatedAt: c.now,
    lastUsedAt: c.lastUsedAt,
    expiresAt: c.expiresAt,
  };
}

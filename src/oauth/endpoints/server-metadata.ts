/**
 * RFC 8414 authorization server metadata. It advertises exactly what this deployment supports:
 * grant types come from the grant registry, so the document cannot drift from the code.
 */
import { ID_JAG_GRANT_PROFILE } from '../id-jag/id-jag-profile.js';
import { GrantType, TokenType } from '../tokens/token-types.js';

export interface Endpoints {
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** RFC 7591 dynamic registration, when served. */
  registrationEndpoint?: string;
  /** RFC 7662 introspection, when served. */
  introspectionEndpoint?: string;
  /** The first hop's authorization endpoint (RFC 6749 §3.1), when served. */
  authorizationEndpoint?: string;
  /** RFC 7009 revocation, when served. */
  revocationEndpoint?: string;
  /** OpenID CIBA §4 backchannel authentication (approvals, ADR 0014), when served. */
  backchannelAuthenticationEndpoint?: string;
}

export interface MetadataOptions {
  /** The grant types the token endpoint serves (its registry's, grants/index.ts). */
  grantTypes: readonly string[];
  dpopAlgorithms?: string[];
  /** URL client_ids are resolved through their Client ID Metadata Documents. */
  clientIdMetadataDocuments?: boolean;
  /** Scopes of the protected resources (RFC 8414 §2 `scopes_supported`). */
  scopesSupported?: string[];
}

type Fields = Record<string, unknown>;

/**
 * The metadata document: its members in a fixed order (issuer and endpoints, authorization,
 * revocation, the token endpoint, registration and introspection, CIBA, ID-JAG).
 */
export function authorizationServerMetadata(e: Endpoints, opts: MetadataOptions): Fields {
  return {
    issuer: e.issuer,
    token_endpoint: e.tokenEndpoint,
    jwks_uri: e.jwksUri,
    ...authorizationFields(e),
    ...(opts.scopesSupported === undefined ? {} : { scopes_supported: opts.scopesSupported }),
    ...revocationFields(e),
    ...tokenEndpointFields(e, opts),
    ...(e.registrationEndpoint === undefined ? {} : { registration_endpoint: e.registrationEndpoint }),
    ...introspectionFields(e),
    ...(opts.clientIdMetadataDocuments === true ? { client_id_metadata_document_supported: true } : {}),
    ...cibaFields(e),
    ...idJagFields(new Set(opts.grantTypes)),
  };
}

/** The authorization endpoint's members; `response_types_supported` is always present. */
function authorizationFields(e: Endpoints): Fields {
  return {
    // REQUIRED by RFC 8414 §2; empty while no authorization endpoint is served.
    response_types_supported: e.authorizationEndpoint === undefined ? [] : ['code'],
    ...(e.authorizationEndpoint === undefined
      ? {}
      : {
          authorization_endpoint: e.authorizationEndpoint,
          response_modes_supported: ['query'],
          // OAuth 2.1 §4.1.1: PKCE required, S256 only (plain is refused).
          code_challenge_methods_supported: ['S256'],
          // RFC 9207 §3: `iss` is on every authorization response.
          authorization_response_iss_parameter_supported: true,
        }),
  };
}

function revocationFields(e: Endpoints): Fields {
  if (e.revocationEndpoint === undefined) return {};
  return {
    revocation_endpoint: e.revocationEndpoint,
    revocation_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      'none',
    ],
  };
}

/** Grant types, client authentication and DPoP at the token endpoint. */
function tokenEndpointFields(e: Endpoints, opts: MetadataOptions): Fields {
  return {
    // The CIBA grant only where approvals are served.
    grant_types_supported: [...opts.grantTypes].filter(
      (g) => g !== GrantType.ciba || e.backchannelAuthenticationEndpoint !== undefined,
    ),
    // `none`: public clients (PKCE-bound codes) once the authorization endpoint is served.
    token_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      ...(e.authorizationEndpoint === undefined ? [] : ['none']),
    ],
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'],
    ...(opts.dpopAlgorithms === undefined ? {} : { dpop_signing_alg_values_supported: opts.dpopAlgorithms }),
  };
}

function introspectionFields(e: Endpoints): Fields {
  if (e.introspectionEndpoint === undefined) return {};
  return {
    introspection_endpoint: e.introspectionEndpoint,
    // RFC 8414 §2: the same client authentication as the token endpoint.
    introspection_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
    ],
  };
}

/** OpenID CIBA Core 1.0 §4: poll mode only, no user codes, requests as form parameters (not signed). */
function cibaFields(e: Endpoints): Fields {
  if (e.backchannelAuthenticationEndpoint === undefined) return {};
  return {
    backchannel_authentication_endpoint: e.backchannelAuthenticationEndpoint,
    backchannel_token_delivery_modes_supported: ['poll'],
    backchannel_user_code_parameter_supported: false,
  };
}

/** draft-ietf-oauth-identity-assertion-authz-grant §6 (IdP role) and the resource AS role (§4.4). */
function idJagFields(grants: ReadonlySet<string>): Fields {
  return {
    ...(grants.has(GrantType.tokenExchange)
      ? { identity_chaining_requested_token_types_supported: [TokenType.idJag] }
      : {}),
    ...(grants.has(GrantType.jwtBearer)
      ? { authorization_grant_profiles_supported: [ID_JAG_GRANT_PROFILE] }
      : {}),
  };
}

/**
 * Every path the metadata is served at: RFC 8414 §3.1 (the well-known segment before the issuer's
 * path). Not OpenID Connect Discovery's `openid-configuration` (ADR 0005): that document describes
 * an OpenID Provider, which must issue ID tokens (Discovery 1.0 §3 requires
 * `id_token_signing_alg_values_supported`, with RS256, and `subject_types_supported`). Mandate issues
 * access tokens only, so an honest OIDC document cannot be written, and MCP clients (spec
 * 2025-11-25, "Authorization Server Metadata Discovery") try RFC 8414 first and accept either.
 */
export function metadataPaths(issuer: string): string[] {
  return [metadataPath(issuer)];
}

/** Where RFC 8414 §3.1 puts the metadata: the well-known segment goes before the issuer's path. */
export function metadataPath(issuer: string, suffix = 'oauth-authorization-server'): string {
  const path = new URL(issuer).pathname.replace(/\/$/, '');
  return `/.well-known/${suffix}${path}`;
}

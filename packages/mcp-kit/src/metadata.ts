/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document an MCP server publishes so that
 * clients find its authorization server (MCP authorization, 2025-11-25, "Authorization Server
 * Location"), and where it is published.
 */

export interface ProtectedResourceMetadataOptions {
  /** The resource identifier (RFC 9728 §2 `resource`), e.g. `https://mcp.example.com/mcp`. */
  resource: string;
  /** Issuer identifiers of the authorization servers (RFC 9728 §2 `authorization_servers`). */
  authorizationServers: readonly string[];
  /** Scopes this resource understands (RFC 9728 §2 `scopes_supported`). */
  scopesSupported?: readonly string[];
  /** Human-readable name (RFC 9728 §2 `resource_name`). */
  resourceName?: string;
  /** Link to documentation for developers (RFC 9728 §2 `resource_documentation`). */
  resourceDocumentation?: string;
  /** Only DPoP-bound tokens are accepted (RFC 9449 §5.2 `dpop_bound_access_tokens_required`). */
  dpopRequired?: boolean;
  /** DPoP proof algorithms accepted (RFC 9449 §5.2 `dpop_signing_alg_values_supported`). */
  dpopAlgorithms?: readonly string[];
}

/** The metadata document (RFC 9728 §2); members that do not apply are left out. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ['header'];
  resource_name?: string;
  resource_documentation?: string;
  dpop_signing_alg_values_supported?: string[];
  dpop_bound_access_tokens_required?: true;
}

/**
 * Builds the RFC 9728 §2 document. Tokens are accepted in the `Authorization` header only
 * (`bearer_methods_supported: ["header"]`, RFC 6750 §2.1): never in a query string or form body.
 */
export function protectedResourceMetadata(opts: ProtectedResourceMetadataOptions): ProtectedResourceMetadata {
  const resource = checkResource(opts.resource);
  if (opts.authorizationServers.length === 0)
    throw new TypeError('at least one authorization server is needed');
  return {
    resource,
    authorization_servers: [...opts.authorizationServers],
    ...(opts.scopesSupported === undefined ? {} : { scopes_supported: [...opts.scopesSupported] }),
    bearer_methods_supported: ['header'],
    ...(opts.resourceName === undefined ? {} : { resource_name: opts.resourceName }),
    ...(opts.resourceDocumentation === undefined
      ? {}
      : { resource_documentation: opts.resourceDocumentation }),
    ...(opts.dpopAlgorithms === undefined
      ? {}
      : { dpop_signing_alg_values_supported: [...opts.dpopAlgorithms] }),
    ...(opts.dpopRequired === true ? { dpop_bound_access_tokens_required: true as const } : {}),
  };
}

/**
 * Where the document lives (RFC 9728 §3.1): the well-known prefix is inserted between the host and
 * the resource's path, so `https://mcp.example.com/mcp` publishes at
 * `https://mcp.example.com/.well-known/oauth-protected-resource/mcp`.
 */
export function protectedResourceMetadataUrl(resource: string): { url: string; path: string } {
  const u = new URL(checkResource(resource));
  const suffix = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  const path = `/.well-known/oauth-protected-resource${suffix}${u.search}`;
  return { url: `${u.origin}${path}`, path };
}

/** RFC 9728 §1.2: an https URL (http only for loopback development) without a fragment. */
function checkResource(resource: string): string {
  let u: URL;
  try {
    u = new URL(resource);
  } catch {
    throw new TypeError(`resource ${resource} is not an absolute URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback))
    throw new TypeError('resource must use https (http only on loopback)');
  if (resource.includes('#')) throw new TypeError('resource must not have a fragment');
  return resource;
}

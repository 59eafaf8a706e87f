/**
 * The protected resources (MCP servers) Mandate issues first-hop tokens for, from the configuration
 * file. RFC 8707 §2: a `resource` must be an absolute URI; it is compared exactly, so a token is
 * only ever issued for a configured resource, with that resource as its audience.
 */
export interface ProtectedResource {
  resource: string;
  name: string;
  scopesSupported: string[];
}

export interface ResourceRegistry {
  get(resource: string): ProtectedResource | undefined;
  all(): ProtectedResource[];
}

export function createResourceRegistry(
  resources: readonly { resource: string; name: string; scopes_supported: string[] }[],
): ResourceRegistry {
  const byId = new Map<string, ProtectedResource>(
    resources.map((r) => [
      r.resource,
      { resource: r.resource, name: r.name, scopesSupported: [...r.scopes_supported] },
    ]),
  );
  return {
    get: (resource) => byId.get(resource),
    all: () => [...byId.values()],
  };
}

/**
 * From the configuration file's registry (registry-schema.ts, ADR 0007) to what Mandate uses: the
 * protected resources and clients it derives (merged with the `resources` and `clients` sections,
 * which keep working), and the policy's registry data. A file whose old sections and registry
 * disagree about a resource or a client is refused, naming both places (registryIssues).
 */
import { isDeepStrictEqual } from 'node:util';
import { policyRegistry, type PolicyRegistry, type RegistryData } from '../policy/registry.js';
import type { ClientConfig } from './client-schema.js';
import type { McpServerConfig, ServiceConfig } from './registry-schema.js';

interface ResourceEntry {
  resource: string;
  name: string;
  scopes_supported: string[];
}

/** The parts of the parsed file this module reads (configFileSchema's output, before its refinement). */
export interface RegistrySections {
  clients: ClientConfig[];
  resources: ResourceEntry[];
  mcp_servers: McpServerConfig[];
  services: ServiceConfig[];
}

export interface RegistryIssue {
  path: (string | number)[];
  message: string;
}

/** The client an MCP server entry registers: its own, answering for the server's resource. */
export function serverClient(server: McpServerConfig): ClientConfig | undefined {
  if (server.client === undefined) return undefined;
  const audiences = [...new Set([server.resource, ...server.client.audiences])];
  return { ...server.client, audiences };
}

const list = (xs: readonly string[]): string => (xs.length === 0 ? '(none)' : xs.join(' '));

function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => !isDeepStrictEqual(a[k], b[k]));
}

function serverIssues(f: RegistrySections, j: number, server: McpServerConfig): RegistryIssue[] {
  const at = (...path: (string | number)[]): (string | number)[] => ['mcp_servers', j, ...path];
  const issues: RegistryIssue[] = [];
  const names = new Set(f.services.map((s) => s.name));
  server.services.forEach((name, k) => {
    if (!names.has(name))
      issues.push({ path: at('services', k), message: `service '${name}' is not in services[]` });
  });
  if (server.services.length > 0 && server.client === undefined)
    issues.push({
      path: at('client'),
      message: `required: ${server.resource} calls services (${list(server.services)}) and needs its own client to exchange tokens`,
    });
  for (const [tool, t] of Object.entries(server.tools))
    for (const s of t.scopes)
      if (!server.scopes.includes(s))
        issues.push({ path: at('tools', tool, 'scopes'), message: `${s} is not one of the server's scopes` });
  f.resources.forEach((r, i) => {
    if (r.resource !== server.resource) return;
    const agree = r.name === server.name && isDeepStrictEqual(r.scopes_supported, server.scopes);
    if (!agree)
      issues.push({
        path: ['resources', i],
        message: `${r.resource} is registered in mcp_servers[${j}] too, which says name ${JSON.stringify(server.name)}, scopes ${list(server.scopes)}; here name ${JSON.stringify(r.name)}, scopes ${list(r.scopes_supported)}: remove it from resources (mcp_servers[${j}] registers it)`,
      });
  });
  const own = serverClient(server);
  f.clients.forEach((c, i) => {
    if (own !== undefined && c.client_id === own.client_id) {
      const fields = differingFields(c, own);
      if (fields.length > 0)
        issues.push({
          path: ['clients', i],
          message: `client ${c.client_id} is mcp_servers[${j}].client too, with other ${fields.join(', ')}: remove it from clients (mcp_servers[${j}] registers it)`,
        });
    } else if (c.audiences.includes(server.resource))
      issues.push({
        path: ['clients', i, 'audiences'],
        message: `client ${c.client_id} answers for ${server.resource}, which mcp_servers[${j}] registers with ${own === undefined ? 'no client' : `client ${own.client_id}`}: name it in mcp_servers[${j}].client instead`,
      });
  });
  return issues;
}

/** Where the registry contradicts itself or the `resources` and `clients` sections. */
export function registryIssues(f: RegistrySections): RegistryIssue[] {
  const issues: RegistryIssue[] = [];
  const firstIndex = new Map<string, number>();
  f.mcp_servers.forEach((s, j) => {
    const seen = firstIndex.get(`r ${s.resource}`);
    if (seen !== undefined)
      issues.push({
        path: ['mcp_servers', j, 'resource'],
        message: `${s.resource} is registered twice (mcp_servers[${seen}])`,
      });
    else firstIndex.set(`r ${s.resource}`, j);
    const id = s.client?.client_id;
    const other = id === undefined ? undefined : firstIndex.get(`c ${id}`);
    if (id !== undefined && other !== undefined)
      issues.push({
        path: ['mcp_servers', j, 'client', 'client_id'],
        message: `client ${id} is mcp_servers[${other}].client already; each MCP server has its own client`,
      });
    else if (id !== undefined) firstIndex.set(`c ${id}`, j);
    issues.push(...serverIssues(f, j, s));
  });
  f.services.forEach((s, k) => {
    const seen = firstIndex.get(`s ${s.name}`);
    if (seen !== undefined)
      issues.push({
        path: ['services', k, 'name'],
        message: `service '${s.name}' is defined twice (services[${seen}])`,
      });
    else firstIndex.set(`s ${s.name}`, k);
    for (const scope of Object.keys(s.step_up))
      if (!s.scopes.includes(scope))
        issues.push({
          path: ['services', k, 'step_up', scope],
          message: `${scope} is not one of the service's scopes`,
        });
  });
  return issues;
}

function registryData(f: RegistrySections): RegistryData {
  const data: RegistryData = { mcp_servers: {}, services: {}, actors: {} };
  for (const s of f.services) {
    const { name, ...service } = s;
    data.services[name] = service;
  }
  for (const server of f.mcp_servers) {
    const { resource, client, services, ...rest } = server;
    data.mcp_servers[resource] = {
      ...rest,
      ...(client === undefined ? {} : { client_id: client.client_id }),
    };
    if (client !== undefined) data.actors[client.client_id] = { services: [...services] };
  }
  return data;
}

export interface ResolvedRegistry {
  /** `clients` and the MCP servers' own clients, each once. */
  clients: ClientConfig[];
  /** `resources` and the MCP servers' resources, each once. */
  resources: ResourceEntry[];
  /** Undefined when the file registers no MCP server and no service: the bundle's data stands. */
  registry: PolicyRegistry | undefined;
}

/** What a file that passed registryIssues registers. */
export function resolveRegistry(f: RegistrySections, source: string): ResolvedRegistry {
  const ownClients = f.mcp_servers.flatMap((s) => serverClient(s) ?? []);
  const ownIds = new Set(ownClients.map((c) => c.client_id));
  const served = new Set(f.mcp_servers.map((s) => s.resource));
  return {
    clients: [...f.clients.filter((c) => !ownIds.has(c.client_id)), ...ownClients],
    resources: [
      ...f.resources.filter((r) => !served.has(r.resource)),
      ...f.mcp_servers.map((s) => ({ resource: s.resource, name: s.name, scopes_supported: [...s.scopes] })),
    ],
    registry:
      f.mcp_servers.length === 0 && f.services.length === 0
        ? undefined
        : policyRegistry(registryData(f), source),
  };
}

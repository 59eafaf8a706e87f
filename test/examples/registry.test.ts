// The example registrations agree (issue 13 §5, docs/adr/0007-one-registry.md): each example MCP
// server's tools and the scopes they need are what the default policy's data registers for it;
// examples/mandate.json's protected resources and MCP server clients are the policy's MCP servers
// and actors, and every service an actor may call is registered.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SALESFORCE_API } from '../../examples/apis/salesforce-api.js';
import { WORKDAY_API } from '../../examples/apis/workday-api.js';
import { SALESFORCE_MCP, SALESFORCE_TOOLS } from '../../examples/mcp/salesforce-server.js';
import { WORKDAY_MCP, WORKDAY_TOOLS } from '../../examples/mcp/workday-server.js';
import { repoRoot } from '../helpers/exchange.js';

interface McpServerData {
  name: string;
  client_id: string;
  scopes: string[];
  tools: Record<string, { scopes: string[] }>;
}
interface Data {
  mcp_servers: Record<string, McpServerData>;
  services: Record<string, { resource: string; scopes: string[] }>;
  actors: Record<string, { services: string[] }>;
}
interface ConfigFile {
  clients: { client_id: string; audiences?: string[] }[];
  resources: { resource: string; name: string; scopes_supported: string[] }[];
}

const data = JSON.parse(readFileSync(join(repoRoot, 'rego/mandate/data.json'), 'utf8')) as Data;
const config = JSON.parse(readFileSync(join(repoRoot, 'examples/mandate.json'), 'utf8')) as ConfigFile;

const servers = [
  { mcp: SALESFORCE_MCP, tools: SALESFORCE_TOOLS, api: SALESFORCE_API },
  { mcp: WORKDAY_MCP, tools: WORKDAY_TOOLS, api: WORKDAY_API },
];

describe('the example MCP servers and the default policy data', () => {
  it.each(servers)('$mcp: the tools the server has, needing the scopes it asks for', ({ mcp, tools }) => {
    const registered = data.mcp_servers[mcp];
    expect(registered, `data.mandate.mcp_servers["${mcp}"]`).toBeDefined();
    const asData = Object.fromEntries(
      Object.entries(tools).map(([name, scopes]) => [name, { scopes: [...scopes] }]),
    );
    // A tool's data may say more for policy (argument rules, sensitive arguments); its scopes agree.
    const scopes = Object.fromEntries(
      Object.entries(registered!.tools).map(([name, tool]) => [name, { scopes: tool.scopes }]),
    );
    expect(scopes).toEqual(asData);
  });

  it.each(servers)(
    '$mcp: one protected resource, one client, one actor, the services it calls',
    ({ mcp, api }) => {
      const registered = data.mcp_servers[mcp]!;
      const resource = config.resources.find((r) => r.resource === mcp);
      expect({ name: resource?.name, scopes: resource?.scopes_supported }).toEqual({
        name: registered.name,
        scopes: registered.scopes,
      });
      expect(config.clients.filter((c) => c.audiences?.includes(mcp)).map((c) => c.client_id)).toEqual([
        registered.client_id,
      ]);
      const services = data.actors[registered.client_id]?.services ?? [];
      expect(services.map((s) => data.services[s]?.resource)).toEqual([api]);
    },
  );

  it('registers no MCP server or resource that the examples do not have', () => {
    expect(Object.keys(data.mcp_servers).sort()).toEqual(servers.map((s) => s.mcp).sort());
    expect(config.resources.map((r) => r.resource).sort()).toEqual(servers.map((s) => s.mcp).sort());
  });
});

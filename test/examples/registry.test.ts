// The example registrations agree (issue 13 §5, docs/adr/0007-one-registry.md): examples/mandate.json
// registers each example MCP server with one `mcp_servers` entry whose tools are the server's own
// (what each needs is the registry's: the servers ask the policy, they hold no table of their own), whose client is the server's and whose services are the APIs it calls; the
// protected resources and clients the service derives from it are the examples'; and the registry
// it hands the policy agrees with the default policy's data, which serves files without a registry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SALESFORCE_API } from '../../examples/apis/salesforce-api.js';
import { SALESFORCE_ORG } from '../../examples/apis/salesforce-org.js';
import { WORKDAY_API } from '../../examples/apis/workday-api.js';
import { SALESFORCE_MCP, SALESFORCE_TOOLS } from '../../examples/mcp/salesforce-server.js';
import { WORKDAY_MCP, WORKDAY_TOOLS } from '../../examples/mcp/workday-server.js';
import { loadConfig } from '../../src/config/index.js';
import { overlayRegistry } from '../../src/policy/registry.js';
import { repoRoot } from '../helpers/exchange.js';

const config = loadConfig({ MANDATE_CONFIG: join(repoRoot, 'examples/mandate.json') });
const registry = config.registry!;
const shippedData = JSON.parse(readFileSync(join(repoRoot, 'rego/mandate/data.json'), 'utf8')) as Record<
  string,
  unknown
>;

const servers = [
  {
    mcp: SALESFORCE_MCP,
    tools: SALESFORCE_TOOLS,
    apis: [SALESFORCE_API, SALESFORCE_ORG],
    client: 'mcp-salesforce',
  },
  { mcp: WORKDAY_MCP, tools: WORKDAY_TOOLS, apis: [WORKDAY_API], client: 'mcp-workday' },
];

describe('the example MCP servers and their registry entries', () => {
  it.each(servers)('$mcp: the tools the server has, and no other', ({ mcp, tools }) => {
    const entry = config.file.mcp_servers.find((s) => s.resource === mcp);
    expect(entry, `mcp_servers entry for ${mcp}`).toBeDefined();
    expect(Object.keys(entry!.tools).sort()).toEqual([...tools].sort());
  });

  it.each(servers)(
    '$mcp: one protected resource, one client, one actor, the services it calls',
    ({ mcp, apis, client }) => {
      const entry = config.file.mcp_servers.find((s) => s.resource === mcp)!;
      expect(config.file.resources.filter((r) => r.resource === mcp)).toEqual([
        { resource: mcp, name: entry.name, scopes_supported: entry.scopes },
      ]);
      expect(config.file.clients.filter((c) => c.audiences.includes(mcp)).map((c) => c.client_id)).toEqual([
        client,
      ]);
      const services = registry.data.actors[client]?.services ?? [];
      expect(services.map((s) => registry.data.services[s]?.resource)).toEqual(apis);
    },
  );

  it('registers no MCP server that the examples do not have, each with one entry', () => {
    const mcps = servers.map((s) => s.mcp).sort();
    expect(Object.keys(registry.data.mcp_servers).sort()).toEqual(mcps);
    expect(config.file.resources.map((r) => r.resource).sort()).toEqual(mcps);
    expect(config.file.mcp_servers.map((s) => s.resource).sort()).toEqual(mcps);
  });

  it("the connector answers for a registered service, and the examples' policy data maps only those", () => {
    for (const c of config.file.connectors)
      expect(registry.data.services[c.service]?.resource, c.service).toBe(c.resource);
    expect(config.file.connectors.map((c) => [c.service, c.kind])).toEqual([
      ['salesforce-org', 'salesforce'],
    ]);
    const examples = JSON.parse(readFileSync(join(repoRoot, 'examples/policy/data.json'), 'utf8')) as {
      downstream_subjects: Record<string, Record<string, string>>;
    };
    expect(Object.keys(examples)).toEqual(['downstream_subjects']);
    for (const service of Object.keys(examples.downstream_subjects))
      expect(config.file.connectors.map((c) => c.service)).toContain(service);
  });

  it("agrees with the default policy's data: overlaid on it, nothing is left out or decided otherwise", () => {
    const { data, dropped } = overlayRegistry({ mandate: shippedData }, registry.data);
    expect(dropped).toEqual([]);
    // The data differs only by defaults the registry writes out (empty lists, false flags).
    const strip = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(strip)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([, x]) => x !== false && !(Array.isArray(x) && x.length === 0))
                .map(([k, x]) => [k, strip(x)]),
            )
          : v;
    expect(strip(data.mandate)).toEqual(strip(shippedData));
  });
});

/**
 * The configuration file's registry (src/config/registry.ts, ADR 0007): one `mcp_servers` entry
 * registers the protected resource, the server's own client and the policy's data; the older
 * `resources` and `clients` sections keep working, and a file where they disagree with the
 * registry is refused with a message naming both places.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadPolicyRegistry } from '../../src/config/index.js';
import { repoRoot } from '../helpers/exchange.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(content: unknown): string {
  const path = join(dir, `mandate-${(n += 1)}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

const SECRET = 'registry-test-secret-0123456789abcdef';
const CRM = 'https://mcp.crm.example/mcp';
const server = {
  resource: CRM,
  name: 'CRM MCP',
  scopes: ['crm.read', 'crm.write'],
  tools: {
    search: { scopes: ['crm.read'] },
    update: { scopes: ['crm.write'], sensitive_arguments: ['note'] },
  },
  client: { client_id: 'mcp-crm', client_secret: SECRET },
  services: ['crm'],
};
const service = {
  name: 'crm',
  resource: 'https://api.crm.example',
  audiences: ['crm'],
  scopes: ['crm.read', 'crm.write'],
};

function refusal(content: unknown): string {
  const path = write(content);
  try {
    loadConfig({ MANDATE_CONFIG: path });
  } catch (e) {
    if (e instanceof ConfigError) return e.message.replaceAll(path, 'FILE');
    throw e;
  }
  throw new Error('the configuration loaded');
}

describe('one mcp_servers entry', () => {
  const config = loadConfig({ MANDATE_CONFIG: write({ mcp_servers: [server], services: [service] }) });

  it('registers the protected resource', () => {
    expect(config.file.resources).toEqual([
      { resource: CRM, name: 'CRM MCP', scopes_supported: ['crm.read', 'crm.write'] },
    ]);
  });

  it("registers the server's own client, answering for its resource", () => {
    expect(config.file.clients).toMatchObject([
      {
        client_id: 'mcp-crm',
        audiences: [CRM],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'],
      },
    ]);
  });

  it("is the policy's mcp_servers, services and actors, with the defaults written out", () => {
    expect(config.registry?.data).toEqual({
      mcp_servers: {
        [CRM]: {
          name: 'CRM MCP',
          client_id: 'mcp-crm',
          scopes: ['crm.read', 'crm.write'],
          tools: {
            search: { scopes: ['crm.read'] },
            update: { scopes: ['crm.write'], sensitive_arguments: ['note'] },
          },
          max_ttl_seconds: 3600,
          allowed_trust: ['registered', 'cimd'],
          blocked_clients: [],
          require_dpop: false,
        },
      },
      services: {
        crm: {
          resource: 'https://api.crm.example',
          audiences: ['crm'],
          scopes: ['crm.read', 'crm.write'],
          max_ttl_seconds: 300,
          require_dpop: false,
          step_up: {},
        },
      },
      actors: { 'mcp-crm': { services: ['crm'] } },
    });
    expect(config.registry?.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('has a digest that depends on the content only, not on the order of members', () => {
    const reordered = {
      services: [
        { scopes: service.scopes, audiences: service.audiences, resource: service.resource, name: 'crm' },
      ],
      mcp_servers: [{ ...server, tools: { update: server.tools.update, search: server.tools.search } }],
    };
    expect(loadPolicyRegistry({ MANDATE_CONFIG: write(reordered) })?.digest).toBe(config.registry?.digest);
    const changed = { mcp_servers: [{ ...server, max_ttl_seconds: 60 }], services: [service] };
    expect(loadPolicyRegistry({ MANDATE_CONFIG: write(changed) })?.digest).not.toBe(config.registry?.digest);
  });

  it('is read by the policy commands without the secrets the file names', () => {
    const withEnvSecret = {
      ...server,
      client: { client_id: 'mcp-crm', client_secret_env: 'MANDATE_TEST_NOT_SET' },
    };
    const path = write({ mcp_servers: [withEnvSecret], services: [service] });
    expect(loadPolicyRegistry({ MANDATE_CONFIG: path })?.digest).toBe(config.registry?.digest);
    expect(() => loadConfig({ MANDATE_CONFIG: path })).toThrow(
      `MANDATE_CONFIG (${path}) mcp_servers[0].client.client_secret_env: environment variable MANDATE_TEST_NOT_SET is not set`,
    );
    expect(loadPolicyRegistry({})).toBeUndefined();
  });
});

describe('the resources and clients sections', () => {
  it('keep working alone: no registry, the bundle’s data stands', () => {
    const config = loadConfig({
      MANDATE_CONFIG: write({
        resources: [{ resource: CRM, name: 'CRM MCP', scopes_supported: ['crm.read'] }],
        clients: [{ client_id: 'mcp-crm', client_secret: SECRET, audiences: [CRM] }],
      }),
    });
    expect(config.registry).toBeUndefined();
    expect(config.file.resources.map((r) => r.resource)).toEqual([CRM]);
    expect(config.file.clients.map((c) => c.client_id)).toEqual(['mcp-crm']);
  });

  it('may repeat what the registry says, once registered', () => {
    const config = loadConfig({
      MANDATE_CONFIG: write({
        mcp_servers: [server],
        services: [service],
        resources: [{ resource: CRM, name: 'CRM MCP', scopes_supported: ['crm.read', 'crm.write'] }],
        clients: [{ client_id: 'mcp-crm', client_secret: SECRET, audiences: [CRM] }],
      }),
    });
    expect(config.file.resources).toHaveLength(1);
    expect(config.file.clients).toHaveLength(1);
  });
});

describe('a file whose sections disagree is refused', () => {
  it.each([
    {
      name: 'a resource with another name and scopes',
      file: {
        mcp_servers: [server],
        services: [service],
        resources: [{ resource: CRM, name: 'CRM', scopes_supported: ['crm.read'] }],
      },
      message:
        'MANDATE_CONFIG (FILE) resources[0]: https://mcp.crm.example/mcp is registered in mcp_servers[0] too, which says name "CRM MCP", scopes crm.read crm.write; here name "CRM", scopes crm.read: remove it from resources (mcp_servers[0] registers it)',
    },
    {
      name: "the server's client with other settings",
      file: {
        mcp_servers: [server],
        services: [service],
        clients: [{ client_id: 'mcp-crm', client_secret: `${SECRET}-other`, audiences: [CRM] }],
      },
      message:
        'MANDATE_CONFIG (FILE) clients[0]: client mcp-crm is mcp_servers[0].client too, with other client_secret: remove it from clients (mcp_servers[0] registers it)',
    },
    {
      name: 'another client answering for the server',
      file: {
        mcp_servers: [server],
        services: [service],
        clients: [{ client_id: 'mcp-crm-2', client_secret: SECRET, audiences: [CRM] }],
      },
      message:
        'MANDATE_CONFIG (FILE) clients[0].audiences: client mcp-crm-2 answers for https://mcp.crm.example/mcp, which mcp_servers[0] registers with client mcp-crm: name it in mcp_servers[0].client instead',
    },
    {
      name: 'a service that is not registered',
      file: { mcp_servers: [server] },
      message: "MANDATE_CONFIG (FILE) mcp_servers[0].services[0]: service 'crm' is not in services[]",
    },
    {
      name: 'services without a client to exchange with',
      file: { mcp_servers: [{ ...server, client: undefined }], services: [service] },
      message:
        'MANDATE_CONFIG (FILE) mcp_servers[0].client: required: https://mcp.crm.example/mcp calls services (crm) and needs its own client to exchange tokens',
    },
    {
      name: 'a tool needing a scope the server does not offer',
      file: {
        mcp_servers: [{ ...server, tools: { purge: { scopes: ['crm.admin'] } } }],
        services: [service],
      },
      message:
        "MANDATE_CONFIG (FILE) mcp_servers[0].tools.purge.scopes: crm.admin is not one of the server's scopes",
    },
    {
      name: 'one server registered twice',
      file: {
        mcp_servers: [server, { ...server, client: { client_id: 'mcp-crm-2', client_secret: SECRET } }],
        services: [service],
      },
      message:
        'MANDATE_CONFIG (FILE) mcp_servers[1].resource: https://mcp.crm.example/mcp is registered twice (mcp_servers[0])',
    },
    {
      name: 'one client for two servers',
      file: {
        mcp_servers: [server, { ...server, resource: 'https://mcp.crm2.example/mcp' }],
        services: [service],
      },
      message:
        'MANDATE_CONFIG (FILE) mcp_servers[1].client.client_id: client mcp-crm is mcp_servers[0].client already; each MCP server has its own client',
    },
    {
      name: 'a service defined twice',
      file: { mcp_servers: [server], services: [service, service] },
      message: "MANDATE_CONFIG (FILE) services[1].name: service 'crm' is defined twice (services[0])",
    },
    {
      name: 'a step-up for a scope the service does not have',
      file: {
        mcp_servers: [server],
        services: [{ ...service, step_up: { 'crm.admin': { max_auth_age_seconds: 60 } } }],
      },
      message:
        "MANDATE_CONFIG (FILE) services[0].step_up.crm.admin: crm.admin is not one of the service's scopes",
    },
  ])('$name', ({ file, message }) => {
    expect(refusal(file)).toBe(message);
  });
});

describe("the README's configuration file", () => {
  it('loads as written, registering the server, its client and its service', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Configuration file'));
    const block = /```jsonc\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const json = block.replace(/(^|\s)\/\/.*$/gm, '');
    const path = write(JSON.parse(json));
    const config = loadConfig({ MANDATE_CONFIG: path, SALESFORCE_MCP_SECRET: SECRET });
    expect(config.file.resources.map((r) => r.resource)).toEqual(['https://mcp.salesforce.example/mcp']);
    expect(config.file.clients.map((c) => c.client_id).sort()).toEqual(['demo-mcp-client', 'mcp-salesforce']);
    expect(config.registry?.data.actors).toEqual({ 'mcp-salesforce': { services: ['salesforce'] } });
  });
});

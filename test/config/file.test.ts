import { describe, expect, it } from 'vitest';
import { configFileSchema, issuerSchema } from '../../src/config/file.js';

const SECRET = 's'.repeat(32);
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
const issues = (v: unknown) => {
  const r = configFileSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('configuration file schema', () => {
  it('an empty file is valid: every list defaults to empty', () => {
    expect(configFileSchema.parse({})).toEqual({
      clients: [],
      issuers: [],
      resources: [],
      mcp_servers: [],
      services: [],
      connectors: [],
      workload_issuers: [],
    });
    expect(issues({ client: [] })[0]).toMatch(/Unrecognized key/);
  });

  it('names a duplicate client_id, resource and workload issuer at the repeat', () => {
    const client = { client_id: 'c', client_secret: SECRET };
    expect(issues({ clients: [client, { ...client, client_id: 'd' }, client] })).toEqual([
      "clients.2.client_id: duplicate client_id 'c'",
    ]);
    const resource = { resource: 'https://r.example', name: 'R' };
    expect(issues({ resources: [resource, resource] })).toEqual([
      "resources.1.resource: duplicate resource 'https://r.example'",
    ]);
    const agent = { client_id: 'agent', token_endpoint_auth_method: 'none', grant_types: [JWT_BEARER] };
    const w = { issuer: 'https://platform.example', jwks, rules: [{ sub: 's', client_id: 'agent' }] };
    expect(issues({ clients: [agent], workload_issuers: [w, w] })).toEqual([
      "workload_issuers.1.issuer: duplicate workload issuer 'https://platform.example'",
    ]);
  });

  it('a workload rule must name a client (of clients[] or an MCP server) that has the jwt-bearer grant', () => {
    const w = (client_id: string) => ({
      issuer: 'https://p.example',
      jwks,
      rules: [{ sub: 's', client_id }],
    });
    expect(issues({ workload_issuers: [w('ghost')] })).toEqual([
      "workload_issuers.0.rules.0.client_id: 'ghost' is not a client of clients[]",
    ]);
    expect(
      issues({ clients: [{ client_id: 'c', client_secret: SECRET }], workload_issuers: [w('c')] }),
    ).toEqual([
      `workload_issuers.0.rules.0.client_id: client 'c' does not have the grant type ${JWT_BEARER}`,
    ]);
    const server = {
      resource: 'https://mcp.example/mcp',
      name: 'M',
      client: { client_id: 'mcp', token_endpoint_auth_method: 'none', grant_types: [JWT_BEARER] },
    };
    expect(issues({ mcp_servers: [server], workload_issuers: [w('mcp')] })).toEqual([]);
  });

  it('an issuer needs exactly one of jwks and jwks_uri, and gets its defaults', () => {
    expect(issuerSchema.safeParse({ issuer: 'https://i.example' }).success).toBe(false);
    expect(
      issuerSchema.safeParse({ issuer: 'https://i.example', jwks, jwks_uri: 'https://i.example/j' }).success,
    ).toBe(false);
    expect(issues({ issuers: [{ issuer: 'https://i.example' }] })).toEqual([
      'issuers.0: needs exactly one of jwks, jwks_uri',
    ]);
    expect(issuerSchema.parse({ issuer: 'https://i.example', jwks })).toMatchObject({
      algorithms: ['RS256', 'ES256'],
      groups_claim: 'groups',
      scopes_when_absent: 'none',
    });
  });

  it('a resource must not have a fragment', () => {
    expect(issues({ resources: [{ resource: 'https://r.example/#x', name: 'R' }] })).toEqual([
      'resources.0.resource: must not have a fragment (RFC 8707 §2)',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { mcpServerSchema, serviceSchema, toolSchema } from '../../src/config/registry-schema.js';

const issues = (
  schema: {
    safeParse(v: unknown): {
      success: boolean;
      error?: { issues: { path: PropertyKey[]; message: string }[] };
    };
  },
  v: unknown,
) => {
  const r = schema.safeParse(v);
  return r.success ? [] : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('mcp_servers[] schema', () => {
  it('fills the defaults: no scopes or tools, 1 h tokens, registered and CIMD clients, no DPoP', () => {
    expect(mcpServerSchema.parse({ resource: 'https://mcp.example/mcp', name: 'CRM' })).toEqual({
      resource: 'https://mcp.example/mcp',
      name: 'CRM',
      scopes: [],
      tools: {},
      max_ttl_seconds: 3600,
      allowed_trust: ['registered', 'cimd'],
      blocked_clients: [],
      require_dpop: false,
      services: [],
    });
  });

  it('refuses a resource with a fragment, a bad scope token, an unknown trust or member', () => {
    expect(issues(mcpServerSchema, { resource: 'https://mcp.example/mcp#x', name: 'n' })).toEqual([
      'resource: must not have a fragment (RFC 8707 §2)',
    ]);
    expect(
      issues(mcpServerSchema, { resource: 'https://m.example', name: 'n', scopes: ['a b', 'ok', 'q"'] }),
    ).toEqual(['scopes.0: not a scope token', 'scopes.2: not a scope token']);
    expect(
      issues(mcpServerSchema, { resource: 'https://m.example', name: 'n', allowed_trust: ['anyone'] })[0],
    ).toMatch(/^allowed_trust\.0: /);
    expect(issues(mcpServerSchema, { resource: 'https://m.example', name: 'n', extra: 1 })[0]).toMatch(
      /Unrecognized key/,
    );
    expect(
      issues(mcpServerSchema, { resource: 'https://m.example', name: 'n', max_ttl_seconds: 0 })[0],
    ).toMatch(/^max_ttl_seconds: /);
  });

  it('tools take scopes (default none) and only the known members', () => {
    expect(toolSchema.parse({})).toEqual({ scopes: [] });
    expect(issues(toolSchema, { scopes: ['crm.read'], subject_argument: '' })[0]).toMatch(
      /^subject_argument: /,
    );
    expect(issues(toolSchema, { scope: 'x' })[0]).toMatch(/Unrecognized key/);
  });
});

describe('services[] schema', () => {
  it('fills the defaults: 5 min tokens, no DPoP, no step-up', () => {
    expect(serviceSchema.parse({ name: 'salesforce', resource: 'https://api.sf.example' })).toEqual({
      name: 'salesforce',
      resource: 'https://api.sf.example',
      audiences: [],
      scopes: [],
      max_ttl_seconds: 300,
      require_dpop: false,
      step_up: {},
    });
  });

  it('refuses a name outside its alphabet or over 64, a fragment, and a malformed step-up', () => {
    const name = 'must be letters, digits, ".", "_" or "-" (at most 64)';
    for (const bad of ['-lead', 'has space', 'a/b', 'x'.repeat(65)])
      expect(issues(serviceSchema, { name: bad, resource: 'https://a.example' })).toEqual([`name: ${name}`]);
    expect(issues(serviceSchema, { name: 'a.b_c-1', resource: 'https://a.example' })).toEqual([]);
    expect(issues(serviceSchema, { name: 's', resource: 'https://a.example/#f' })).toEqual([
      'resource: must not have a fragment (RFC 8707 §2)',
    ]);
    expect(
      serviceSchema.parse({
        name: 's',
        resource: 'https://a.example',
        step_up: { 'crm.write': { max_auth_age_seconds: 900 } },
      }).step_up,
    ).toEqual({ 'crm.write': { max_auth_age_seconds: 900 } });
    expect(
      issues(serviceSchema, {
        name: 's',
        resource: 'https://a.example',
        step_up: { w: { max_auth_age_seconds: -1 } },
      })[0],
    ).toMatch(/^step_up\.w\.max_auth_age_seconds: /);
    expect(
      issues(serviceSchema, { name: 's', resource: 'https://a.example', step_up: { w: {} } })[0],
    ).toMatch(/^step_up\.w\.max_auth_age_seconds: /);
  });
});

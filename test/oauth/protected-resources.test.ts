import { describe, expect, it } from 'vitest';
import { createResourceRegistry } from '../../src/oauth/protected-resources.js';

describe('the resource registry', () => {
  const input = [
    { resource: 'https://mcp.example/a', name: 'A', scopes_supported: ['read'] },
    { resource: 'https://mcp.example/b', name: 'B', scopes_supported: [] },
  ];
  const registry = createResourceRegistry(input);

  it('finds a configured resource by its exact identifier only', () => {
    expect(registry.get('https://mcp.example/a')).toEqual({
      resource: 'https://mcp.example/a',
      name: 'A',
      scopesSupported: ['read'],
    });
    expect(registry.get('https://mcp.example/a/')).toBeUndefined();
    expect(registry.get('https://MCP.example/a')).toBeUndefined();
    expect(registry.get('https://mcp.example')).toBeUndefined();
  });

  it("lists every resource, and does not share the configuration's arrays", () => {
    expect(registry.all().map((r) => r.resource)).toEqual(['https://mcp.example/a', 'https://mcp.example/b']);
    input[0]!.scopes_supported.push('write');
    expect(registry.get('https://mcp.example/a')?.scopesSupported).toEqual(['read']);
  });
});

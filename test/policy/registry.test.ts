/**
 * The registry overlaid onto the bundle's data (src/policy/registry.ts, ADR 0007): at
 * data.mandate.mcp_servers, services and actors the policy sees exactly what the configuration
 * registers; what the bundle says of a registered name stays unless the registry says otherwise.
 * Decided by the shipped bundle, loaded as the service loads it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyRegistry } from '../../src/config/index.js';
import { createMemoryLogger } from '../../src/log.js';
import { createDecide } from '../../src/policy/decide.js';
import { createDecisionService } from '../../src/policy/engine.js';
import { loadBundle } from '../../src/policy/load.js';
import { reasonCode } from '../../src/policy/reasons.js';
import { overlayRegistry, policyRegistry, type RegistryData } from '../../src/policy/registry.js';
import { input, repoRoot } from './helpers.js';

const shipped = join(repoRoot, 'bundles/default.tar.gz');
const example = loadPolicyRegistry({ MANDATE_CONFIG: join(repoRoot, 'examples/mandate.json') })!;
const entrypoint = 'mcp/authz/decision';

describe('overlayRegistry', () => {
  const bundleData = {
    mandate: {
      group_scopes: { '*': ['a'] },
      mcp_servers: {
        'https://mcp.x/mcp': {
          name: 'old name',
          note: 'kept',
          tools: { read: { scopes: ['old'], any_subject_groups: ['hr'] }, gone: { scopes: [] } },
        },
        'https://mcp.unregistered/mcp': { name: 'stale' },
      },
      services: { stale: { resource: 'https://api.stale' } },
      actors: { 'mcp-stale': { services: ['stale'] } },
    },
    other: { kept: true },
  };
  const registry: RegistryData = {
    mcp_servers: { 'https://mcp.x/mcp': { name: 'X', scopes: ['r'], tools: { read: { scopes: ['r'] } } } },
    services: { api: { resource: 'https://api.x', scopes: ['r'] } },
    actors: { 'mcp-x': { services: ['api'] } },
  };
  const before = structuredClone(bundleData);
  const { data, dropped } = overlayRegistry(bundleData, registry);

  it('registers exactly the registry’s names at the three paths and reports the others', () => {
    const mandate = data.mandate as Record<string, Record<string, unknown>>;
    expect(Object.keys(mandate.mcp_servers!)).toEqual(['https://mcp.x/mcp']);
    expect(mandate.services).toEqual({ api: { resource: 'https://api.x', scopes: ['r'] } });
    expect(mandate.actors).toEqual({ 'mcp-x': { services: ['api'] } });
    expect(dropped).toEqual([
      'mcp_servers/https://mcp.unregistered/mcp',
      'services/stale',
      'actors/mcp-stale',
    ]);
  });

  it('lets the registry win per field, keeps the bundle’s other fields, and only registered tools', () => {
    expect(
      (data.mandate as { mcp_servers: Record<string, unknown> }).mcp_servers['https://mcp.x/mcp'],
    ).toEqual({
      name: 'X',
      note: 'kept',
      scopes: ['r'],
      tools: { read: { scopes: ['r'], any_subject_groups: ['hr'] } },
    });
  });

  it('leaves the rest of the data and the bundle’s own object alone', () => {
    expect((data.mandate as Record<string, unknown>).group_scopes).toEqual({ '*': ['a'] });
    expect(data.other).toEqual({ kept: true });
    expect(bundleData).toEqual(before);
  });
});

describe('a bundle loaded with a registry', () => {
  it('decides the examples as the shipped data does: the example registry and the default data agree', async () => {
    const bytes = readFileSync(shipped);
    const plain = await loadBundle(bytes, { entrypoint });
    const overlaid = await loadBundle(bytes, { entrypoint, registry: example });
    expect(overlaid.dropped).toEqual([]);
    expect(overlaid.info).toEqual({ ...plain.info, registry: example.digest });
    const decide = (l: typeof plain) =>
      createDecide({ entrypoint, current: () => l, now: Date.now, log: createMemoryLogger() });
    const inputs = [
      input(),
      input({ scopes: ['crm.read', 'crm.write'] }),
      input({ actor: { sub: 'mcp-workday', client_id: 'mcp-workday' } }),
      input({
        action: 'tool_call',
        target: { resource: 'https://mcp.workday.example/mcp' },
        scopes: [],
        context: { tool: 'get_employee_record', arguments: { employee: 'bob' } },
      }),
    ];
    for (const i of inputs) {
      const [a, b] = [decide(plain)(i), decide(overlaid)(i)];
      const same = { decision_id: '', metrics: {}, bundle: {}, timestamp: '' };
      expect({ ...b, ...same }).toEqual({ ...a, ...same });
    }
  });

  it('no longer knows a service the registry leaves out, and the service says so at load', async () => {
    const { salesforce: _gone, ...services } = example.data.services;
    const without = policyRegistry(
      { ...example.data, services, actors: { ...example.data.actors, 'mcp-salesforce': { services: [] } } },
      'test',
    );
    const log = createMemoryLogger();
    const svc = await createDecisionService({ bundlePath: shipped, registry: without, log });
    const d = svc.decide(input());
    expect(d.allow).toBe(false);
    expect(d.reasons.map(reasonCode)).toContain('unknown_target');
    expect(d.bundle.registry).toBe(without.digest);
    expect(log.lines.find((e) => e.level === 'warn')).toMatchObject({
      msg: "the bundle's data names entries the configuration's registry does not register; they are left out (ADR 0007)",
      fields: { entries: ['services/salesforce'], registry_source: 'test', registry: without.digest },
    });
    await svc.close();
  });
});

// `mandate policy eval BUNDLE INPUT` decides one input with the service's engine: contract checks,
// invariants, fail closed; exit 1 when the policy failed or the input is invalid, 2 for bad usage.
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyRegistry } from '../../../src/config/index.js';
import { buildBundle, input, NOW, repoRoot, tempDir, writePolicy } from '../helpers.js';
import { policy } from './io.js';

let dir: string;
let greedy: string;

beforeAll(async () => {
  dir = tempDir();
  // Grants more than asked and for too long: the invariants narrow it.
  greedy = await buildBundle(join(dir, 'greedy.tar.gz'), {
    src: writePolicy(`package mcp.authz
decision := {"allow": true, "scopes": ["crm.read", "admin"], "ttl_seconds": 99999, "reasons": []}
`),
    revision: 'greedy',
  });
});

describe('mandate policy eval', () => {
  it('decides one input with the invariants enforced, from a file or stdin', async () => {
    const inputFile = join(dir, 'input.json');
    const i = input({
      scopes: ['crm.read', 'crm.write'],
      subject: { sub: 'a', iss: 'i', groups: [], claims: {}, exp: NOW + 120 },
    });
    writeFileSync(inputFile, JSON.stringify(i));
    const r = await policy(['eval', greedy, inputFile]);
    expect(r.code, r.err).toBe(0);
    const d = JSON.parse(r.out) as Record<string, unknown>;
    expect(d).toEqual({
      allow: true,
      scopes: ['crm.read'],
      ttl_seconds: 120,
      reasons: [{ code: 'invariant_enforced', message: 'policy granted unrequested scope admin; removed' }],
      obligations: { require_dpop: false },
      result: { allow: true, scopes: ['crm.read', 'admin'], ttl_seconds: 99999, reasons: [] },
      bundle: { revision: 'greedy', digest: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(JSON.parse((await policy(['eval', greedy, '-'], { stdin: JSON.stringify(i) })).out)).toEqual(d);
  });

  it('exits 1 for an input outside the contract, 2 for input that is not JSON', async () => {
    const r = await policy(['eval', greedy, '-'], { stdin: '{"action": "fly"}' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ allow: false, reasons: [{ code: 'invalid_input' }] });
    expect((await policy(['eval', greedy, '-'], { stdin: 'nope' })).code).toBe(2);
  });
});

describe('mandate policy eval usage', () => {
  it('takes a bundle and an input file, else exits 2 with the usage', async () => {
    for (const argv of [['eval'], ['eval', greedy], ['eval', greedy, '-', 'x']]) {
      const r = await policy(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^mandate policy eval: eval takes a bundle file and an input file\n/);
      expect(r.err).toContain(
        'mandate policy eval BUNDLE INPUT.json|- [--verification-key PEM] [--entrypoint PATH]',
      );
    }
  });

  it('names the input that is not JSON', async () => {
    const r = await policy(['eval', greedy, '-'], { stdin: 'nope' });
    expect(r.err).toMatch(/^mandate policy eval: - is not JSON: /);
  });

  it('exits 1 with the refusal when the bundle lacks the entrypoint', async () => {
    const r = await policy(['eval', greedy, '-', '--entrypoint', 'x/y'], { stdin: JSON.stringify(input()) });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^mandate policy eval: entrypoint x\/y is not in the bundle/);
  });
});

describe('the registry of MANDATE_CONFIG (ADR 0007)', () => {
  const shipped = join(repoRoot, 'bundles/default.tar.gz');
  const example = join(repoRoot, 'examples/mandate.json');
  // A server the shipped data does not know, registered by one entry, calling the Salesforce API.
  const reportsInput = input({ actor: { sub: 'mcp-reports', client_id: 'mcp-reports' } });

  it('is overlaid by eval as the service overlays it, and named in the output', async () => {
    const config = join(dir, 'mandate.json');
    const examples = JSON.parse(readFileSync(example, 'utf8')) as { mcp_servers: unknown[] };
    const entry = {
      resource: 'https://mcp.reports.example/mcp',
      name: 'CRM reports MCP',
      scopes: ['crm.read'],
      client: { client_id: 'mcp-reports', client_secret_env: 'REPORTS_SECRET_NOT_NEEDED_HERE' },
      services: ['salesforce'],
    };
    writeFileSync(config, JSON.stringify({ ...examples, mcp_servers: [...examples.mcp_servers, entry] }));
    const stdin = JSON.stringify(reportsInput);
    const without = JSON.parse((await policy(['eval', shipped, '-'], { stdin })).out) as Record<
      string,
      unknown
    >;
    expect(without).toMatchObject({ allow: false, reasons: [{ code: 'actor_not_allowed' }] });
    const r = await policy(['eval', shipped, '-'], { stdin, env: { MANDATE_CONFIG: config } });
    expect(r.code, r.err).toBe(0);
    const registry = loadPolicyRegistry({ MANDATE_CONFIG: config })!;
    expect(r.err).toBe(`registry: ${config} (sha256 ${registry.digest})`);
    expect(JSON.parse(r.out)).toMatchObject({
      allow: true,
      scopes: ['crm.read'],
      bundle: { registry: registry.digest },
    });
  });

  it('stops the command with exit 2 and the start-up message when the file is refused', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ mcp_servers: [{ resource: 'https://x.example/mcp', name: 'X', services: ['nope'] }] }),
    );
    const r = await policy(['eval', shipped, '-'], { stdin: '{}', env: { MANDATE_CONFIG: bad } });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `mandate policy eval: configuration error: MANDATE_CONFIG (${bad}) mcp_servers[0].services[0]: service 'nope' is not in services[]`,
    );
  });
});

// `mandate policy check BUNDLE` loads a bundle as the service does; `mandate policy eval` decides
// one input with the service's engine.
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyRegistry } from '../../../src/config/index.js';
import { buildBundle, input, NOW, repoRoot, tempDir, writePolicy } from '../helpers.js';
import { policy } from './io.js';

let dir: string;
let greedy: string;
let http: string;
let signed: string;
let pub: string;

beforeAll(async () => {
  dir = tempDir();
  // Grants more than asked and for too long: the invariants narrow it.
  greedy = await buildBundle(join(dir, 'greedy.tar.gz'), {
    src: writePolicy(`package mcp.authz
decision := {"allow": true, "scopes": ["crm.read", "admin"], "ttl_seconds": 99999, "reasons": []}
`),
    revision: 'greedy',
  });
  http = await buildBundle(join(dir, 'http.tar.gz'), {
    src: writePolicy(`package mcp.authz
decision := {"allow": true, "scopes": [], "ttl_seconds": 1} if http.send({"url": "https://x.example"})
`),
  });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = join(dir, 'key.pem');
  writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  pub = join(dir, 'key.pub.pem');
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  signed = await buildBundle(join(dir, 'signed.tar.gz'), { signingKey: key, revision: 'signed-1' });
});

describe('mandate policy check', () => {
  it('passes the shipped default bundle with its samples', async () => {
    const r = await policy(['check', join(repoRoot, 'bundles/default.tar.gz')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /default\.tar\.gz: ok: revision "sha256-[0-9a-f]{12}", sha256 [0-9a-f]{64}, entrypoint mcp\/authz\/decision, no host builtins, 3\/3 samples pass$/,
    );
  });

  it('fails a bundle the service would refuse, naming the builtin', async () => {
    const r = await policy(['check', http]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'the service would refuse this bundle: the policy needs builtin http.send (called in the entrypoint rule mcp.authz.decision)',
    );
  });

  it('verifies the signature with --verification-key or MANDATE_POLICY_PUBLIC_KEY, as the service does', async () => {
    expect((await policy(['check', signed, '--verification-key', pub])).code).toBe(0);
    expect((await policy(['check', signed], { env: { MANDATE_POLICY_PUBLIC_KEY: pub } })).code).toBe(0);
    const unsigned = await policy(['check', greedy], { env: { MANDATE_POLICY_PUBLIC_KEY: pub } });
    expect(unsigned.code).toBe(1);
    expect(unsigned.err).toContain(
      'bundle is not signed (no .signatures.json) but a verification key is configured',
    );
  });

  it('--json gives the report', async () => {
    const r = await policy(['check', greedy, '--json']);
    expect(JSON.parse(r.out)).toMatchObject({
      ok: true,
      info: { revision: 'greedy' },
      builtins: [],
      samples: [],
      problems: [],
    });
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

  it('is overlaid by check: the shipped samples pass under the example registry too', async () => {
    const r = await policy(['check', shipped], { env: { MANDATE_CONFIG: example } });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /, registry sha256 [0-9a-f]{64}, entrypoint mcp\/authz\/decision, .*3\/3 samples pass$/,
    );
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

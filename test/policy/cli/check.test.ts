// `mandate policy check BUNDLE` loads a bundle as the service does, decides its samples and says
// whether the service would take it; a signature is verified as the service verifies it.
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, repoRoot, tempDir, writePolicy } from '../helpers.js';
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

describe('mandate policy check usage', () => {
  it('takes exactly one bundle file and known flags, else exits 2 with the usage', async () => {
    for (const argv of [['check'], ['check', 'a', 'b'], ['check', greedy, '--nope']]) {
      const r = await policy(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^mandate policy check: /);
      expect(r.err).toContain(
        'mandate policy check BUNDLE [--verification-key PEM] [--entrypoint PATH] [--json]',
      );
    }
    expect((await policy(['check'])).err).toContain('check takes one bundle file');
  });

  it('fails with exit 1 naming an unreadable bundle file', async () => {
    const r = await policy(['check', join(dir, 'missing.tar.gz')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^mandate policy check: ENOENT/);
  });

  it('prints FAILED and each problem for a refused bundle', async () => {
    const r = await policy(['check', http, '--entrypoint', 'mcp/authz/decision']);
    expect(r.err.split('\n')[0]).toMatch(
      /http\.tar\.gz: FAILED: revision ".*", sha256 [0-9a-f]{64}, entrypoint mcp\/authz\/decision, no host builtins, no samples$/,
    );
    expect(r.err.split('\n')[1]).toMatch(/^ {2}the service would refuse this bundle: /);
  });
});

describe('the registry of MANDATE_CONFIG (ADR 0007)', () => {
  const shipped = join(repoRoot, 'bundles/default.tar.gz');
  const example = join(repoRoot, 'examples/mandate.json');

  it('is overlaid by check: the shipped samples pass under the example registry too', async () => {
    const r = await policy(['check', shipped], { env: { MANDATE_CONFIG: example } });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /, registry sha256 [0-9a-f]{64}, entrypoint mcp\/authz\/decision, .*3\/3 samples pass$/,
    );
  });
});

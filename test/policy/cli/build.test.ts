// `mandate policy build DIR`: any policy folder to a bundle the service accepts, or a clear refusal.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log.js';
import { parseBundle } from '../../../src/policy/bundle.js';
import { createDecisionService } from '../../../src/policy/engine.js';
import { input, opaBin, repoRoot, tempDir } from '../helpers.js';
import { policy } from './io.js';

const opa = ['--opa', opaBin()];

/** A small policy folder: one rule file, a test file, data, optionally samples. */
function folder(rego: string, extra: Record<string, string> = {}): string {
  const dir = tempDir('mandate-folder-');
  mkdirSync(join(dir, 'acme'), { recursive: true });
  writeFileSync(join(dir, 'acme', 'policy.rego'), rego);
  writeFileSync(
    join(dir, 'acme', 'policy_test.rego'),
    'package mcp.authz\n\ntest_allows if decision.allow with input as {"scopes": ["a"], "subject": {"groups": ["sales"]}}\n',
  );
  for (const [name, content] of Object.entries(extra)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const salesOnly = `package mcp.authz

# Sales may have whatever they ask for, for a minute.
decision := {"allow": allowed, "scopes": input.scopes, "ttl_seconds": data.acme.ttl}

default allowed := false

allowed if "sales" in input.subject.groups
`;

describe('mandate policy build', () => {
  it('builds any folder: wasm with the service entrypoint, tests left out, data namespaced, loadable', async () => {
    const dir = folder(salesOnly, { 'acme/data.json': '{"ttl": 60}' });
    const out = join(dir, 'out', 'bundle.tar.gz');
    const r = await policy(['build', dir, '-o', out, '--revision', 'acme-1', ...opa]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /^.*bundle\.tar\.gz: revision "acme-1", sha256 [0-9a-f]{64}, entrypoint mcp\/authz\/decision, no host builtins, no samples$/,
    );
    const b = await parseBundle(readFileSync(out));
    expect([...b.files.keys()].sort()).toEqual(['.manifest', 'acme/policy.rego', 'data.json', 'policy.wasm']);
    expect(b.manifest).toMatchObject({
      revision: 'acme-1',
      wasm: [{ entrypoint: 'mcp/authz/decision', module: '/policy.wasm' }],
    });
    expect(b.data).toEqual({ acme: { ttl: 60 } });
    const s = await createDecisionService({ bundlePath: out, log: createMemoryLogger() });
    expect(s.decide(input()).allow).toBe(true);
    expect(s.decide(input({ subject: { sub: 'b', iss: 'i', groups: ['hr'], claims: {} } })).allow).toBe(
      false,
    );
    await s.close();
  });

  it("takes the revision from the folder's own git commit, marked when the folder has changed", async () => {
    const dir = folder(salesOnly, { 'acme/data.json': '{"ttl": 60}' });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example', '-c', 'user.name=t', ...args], { cwd: dir })
        .toString()
        .trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'policy');
    const commit = git('rev-parse', '--short=12', 'HEAD');
    const out = join(dir, 'b.tar.gz');
    expect((await policy(['build', dir, '-o', out, ...opa])).code).toBe(0);
    expect((await parseBundle(readFileSync(out))).manifest.revision).toBe(commit);
    writeFileSync(join(dir, 'acme', 'data.json'), '{"ttl": 30}');
    expect((await policy(['build', dir, '-o', out, ...opa])).code).toBe(0);
    expect((await parseBundle(readFileSync(out))).manifest.revision).toMatch(
      new RegExp(`^${commit}\\+dirty\\.[0-9a-f]{12}$`),
    );
  });

  it('is reproducible: the same sources give the same tar and revision wherever they are built', async () => {
    const a = tempDir();
    const b = tempDir();
    cpSync(join(repoRoot, 'rego'), join(a, 'policy'), { recursive: true });
    cpSync(join(repoRoot, 'rego'), join(b, 'elsewhere', 'x'), { recursive: true });
    expect(
      (await policy(['build', join(a, 'policy'), '-o', join(a, 'b.tar.gz'), '--content-revision', ...opa]))
        .code,
    ).toBe(0);
    expect(
      (
        await policy([
          'build',
          join(b, 'elsewhere', 'x'),
          '-o',
          join(b, 'b.tar.gz'),
          '--content-revision',
          ...opa,
        ])
      ).code,
    ).toBe(0);
    const ta = gunzipSync(readFileSync(join(a, 'b.tar.gz')));
    expect(ta.equals(gunzipSync(readFileSync(join(b, 'b.tar.gz'))))).toBe(true);
    expect(readFileSync(join(a, 'b.tar.gz')).equals(readFileSync(join(b, 'b.tar.gz')))).toBe(true);
  });

  it('refuses a policy needing an unsupported builtin, naming it and the rule in the folder, and writes nothing', async () => {
    const dir = folder(`package mcp.authz

decision := {"allow": employed, "scopes": input.scopes, "ttl_seconds": 60}

employed if {
	http.send({"method": "GET", "url": "https://hr.example/employees"}).status_code == 200
}
`);
    const out = join(dir, 'b.tar.gz');
    const r = await policy(['build', dir, '-o', out, ...opa]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `the service would refuse this bundle: the policy needs builtin http.send (called in rule mcp.authz.employed at acme/policy.rego:6 in ${dir}): a decision never waits on the network`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('decides the samples and fails on a result outside the contract or an unmet expectation', async () => {
    const sample = (name: string, expect: unknown, groups = ['sales']) => ({
      [`samples/${name}.json`]: JSON.stringify({
        input: { ...input({ subject: { sub: 'a', iss: 'i', groups, claims: {} } }) },
        ...(expect === undefined ? {} : { expect }),
      }),
    });
    const dir = folder(salesOnly, {
      'acme/data.json': '{"ttl": 60}',
      ...sample('sales', { allow: true, scopes: ['crm.read'], ttl_seconds: 60 }),
      ...sample('hr', { allow: true }, ['hr']),
      'samples/broken.json': '{"input": {"action": "fly"}}',
    });
    const r = await policy(['build', dir, '-o', join(dir, 'b.tar.gz'), ...opa]);
    expect(r.code).toBe(1);
    expect(r.err.split('\n').slice(1)).toEqual([
      '  sample broken: input is outside the decision contract: action: Invalid option: expected one of "token_exchange"|"authorize"|"jwt_bearer"|"refresh"|"tool_call"|"id_jag"',
      '  sample hr: allow false, expected true',
    ]);
    const ok = folder(salesOnly, {
      'acme/data.json': '{"ttl": 60}',
      ...sample('sales', { allow: true, reasons: [] }),
    });
    const built = await policy(['build', ok, '-o', join(ok, 'b.tar.gz'), ...opa]);
    expect(built.out).toMatch(/1\/1 samples pass$/);
    const files = (await parseBundle(readFileSync(join(ok, 'b.tar.gz')))).files;
    expect(files.has('samples/sales.json')).toBe(true);
  });

  it('--verify-against: the shipped default bundle is what rego/ builds; another file is not', async () => {
    const shipped = join(repoRoot, 'bundles', 'default.tar.gz');
    const same = await policy([
      'build',
      join(repoRoot, 'rego'),
      '--content-revision',
      '--verify-against',
      shipped,
      ...opa,
    ]);
    expect(same.code, same.err).toBe(0);
    expect(same.out).toMatch(
      /bundles\/default\.tar\.gz is what .*rego builds \(revision "sha256-[0-9a-f]{12}"\)$/,
    );
    const dir = folder(salesOnly, { 'acme/data.json': '{"ttl": 60}' });
    const other = await policy(['build', dir, '--content-revision', '--verify-against', shipped, ...opa]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(
      /is not what .* builds now; files that differ: \.manifest, acme\/policy\.rego, data\.json, mcp\/authz\/common\.rego/,
    );
  });

  it('says what is wrong with its arguments (exit 2)', async () => {
    expect((await policy(['build'])).code).toBe(2);
    expect((await policy(['build', 'a', 'b'])).err).toMatch(
      /^mandate policy build: build takes one policy folder\nusage:/,
    );
    expect((await policy(['build', 'rego', '--revision', 'x', '--content-revision'])).code).toBe(2);
    expect((await policy(['build', 'rego', '--nope'])).code).toBe(2);
    const missing = await policy(['build', join(tempDir(), 'absent'), ...opa]);
    expect([missing.code, missing.err]).toEqual([1, expect.stringMatching(/absent is not a policy folder$/)]);
  });
});

// Building a bundle from a policy folder: which files are sources, the content digest and the
// git revision, the reproducible content revision, samples and signature added, and the atomic
// write. Real OPA, real git.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildPolicy,
  policySources,
  revisionFor,
  sourceDigest,
  writeBundle,
} from '../../src/policy/build.js';
import { parseBundle } from '../../src/policy/bundle.js';
import { opaBin, tempDir } from './helpers.js';

const POLICY = 'package mcp.authz\n\ndecision := {"allow": false}\n';

function folder(): string {
  const dir = tempDir('mandate-build-src-');
  const put = (rel: string, text: string): void => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  put('mcp/authz/policy.rego', POLICY);
  put('mcp/authz/policy_test.rego', 'package mcp.authz\n\ntest_x if true\n');
  put('mcp/authz/data.json', '{"limits": {"max": 1}}');
  put('mcp/authz/notes.md', 'not a source');
  put('testdata/fixture.rego', 'package fixture\n');
  put('node_modules/x/data.json', '{}');
  put('samples/one.json', '{"input": {}}');
  put('samples/readme.txt', 'no');
  return dir;
}

const git = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['-C', dir, '-c', 'user.email=t@example', '-c', 'user.name=t', ...args]).toString();

describe('policySources', () => {
  it('takes Rego (not tests), data documents and sample JSON, skipping testdata and node_modules', async () => {
    expect([...(await policySources(folder())).keys()]).toEqual([
      'mcp/authz/data.json',
      'mcp/authz/policy.rego',
      'samples/one.json',
    ]);
  });
});

describe('sourceDigest', () => {
  const a = new Map([
    ['x.rego', Buffer.from('a')],
    ['y.rego', Buffer.from('b')],
  ]);
  it('depends on names, contents and the OPA version, not on order', () => {
    const d = sourceDigest(a, '1.0.0');
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceDigest(new Map([...a].reverse()), '1.0.0')).toBe(d);
    expect(sourceDigest(a, '1.0.1')).not.toBe(d);
    expect(
      sourceDigest(
        new Map([
          ['x.rego', Buffer.from('a')],
          ['y.rego', Buffer.from('c')],
        ]),
        '1.0.0',
      ),
    ).not.toBe(d);
    expect(
      sourceDigest(
        new Map([
          ['x.rego', Buffer.from('a')],
          ['z.rego', Buffer.from('b')],
        ]),
        '1.0.0',
      ),
    ).not.toBe(d);
  });
  it('cannot be aliased by moving bytes between a name and its content', () => {
    const one = new Map([['ab', Buffer.from('c')]]);
    const two = new Map([['a', Buffer.from('bc')]]);
    expect(sourceDigest(one, 'v')).not.toBe(sourceDigest(two, 'v'));
  });
});

describe('revisionFor', () => {
  it('is the sources digest outside git, the commit when clean, commit+dirty when changed', async () => {
    const dir = folder();
    const files = await policySources(dir);
    const digest = `sha256-${sourceDigest(files, 'v').slice(0, 12)}`;
    expect(await revisionFor(dir, files, 'v')).toBe(digest);
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'policy');
    const commit = git(dir, 'log', '-1', '--format=%h', '--abbrev=12').trim();
    expect(await revisionFor(dir, files, 'v')).toBe(commit);
    writeFileSync(join(dir, 'mcp/authz/policy.rego'), POLICY + '\n# changed\n');
    const changed = await policySources(dir);
    expect(await revisionFor(dir, changed, 'v')).toBe(
      `${commit}+dirty.${sourceDigest(changed, 'v').slice(0, 12)}`,
    );
  });
});

describe('buildPolicy', () => {
  it('refuses what is not a folder', async () => {
    await expect(buildPolicy({ dir: join(tempDir(), 'none'), opaPath: opaBin() })).rejects.toThrow(
      /none is not a policy folder$/,
    );
  });

  it('builds the same bytes from the same sources with a content revision, samples inside, tests out', async () => {
    const dir = folder();
    const one = await buildPolicy({ dir, contentRevision: true, opaPath: opaBin() });
    const two = await buildPolicy({ dir, contentRevision: true, opaPath: opaBin() });
    expect(one.bytes.equals(two.bytes)).toBe(true);
    expect(one.revision).toMatch(/^sha256-[0-9a-f]{12}$/);
    const bundle = await parseBundle(one.bytes);
    expect(bundle.manifest.revision).toBe(one.revision);
    expect(bundle.files.get('samples/one.json')?.toString()).toBe('{"input": {}}');
    expect([...bundle.files.keys()].some((n) => n.includes('policy_test') || n.includes('fixture'))).toBe(
      false,
    );
    expect(bundle.data).toEqual({ mcp: { authz: { limits: { max: 1 } } } });
    // The sample's input is outside the contract: the build reports it rather than failing.
    expect(one.report.ok).toBe(false);
    expect(one.report.problems[0]).toMatch(/^sample one: input is outside the decision contract/);
    expect(one.publicKeyPem).toBeUndefined();
  }, 120_000);

  it('signs with the given key, and the report verifies the signature', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'p'));
    writeFileSync(join(dir, 'p/policy.rego'), POLICY);
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const r = await buildPolicy({
      dir: join(dir, 'p'),
      revision: 'r1',
      signingKeyPath: join(dir, 'key.pem'),
      opaPath: opaBin(),
    });
    expect(r.revision).toBe('r1');
    expect(r.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(r.report.ok).toBe(true);
    expect((await parseBundle(r.bytes)).files.has('.signatures.json')).toBe(true);
  }, 120_000);
});

describe('writeBundle', () => {
  it('creates the folder and leaves no temporary file behind', async () => {
    const dir = tempDir();
    const path = join(dir, 'out/deep/b.tar.gz');
    await writeBundle(path, Buffer.from('one'));
    await writeBundle(path, Buffer.from('two'));
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'out/deep'))).toEqual(['b.tar.gz']);
  });
});

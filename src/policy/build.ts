/**
 * `mandate policy build DIR`: any policy folder to a bundle the service loads. OPA compiles the
 * Rego to WebAssembly with the service's entrypoint (tests and test data left out); Mandate adds
 * the folder's sample decisions, packs the bundle reproducibly (pack.ts), signs it when given a key
 * (sign.ts), and then checks it exactly as the service would load it (check.ts), so that a bundle
 * that would be refused is never written.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { parseBundle } from './bundle.js';
import { checkBundle } from './check.js';
import type { CheckReport } from './check.js';
import { DEFAULT_ENTRYPOINT } from './contract.js';
import { findOpa, opa } from './opa-cli.js';
import { packBundle } from './pack.js';
import { SAMPLES_DIR } from './samples.js';
import { signBundleFiles, signingKey } from './sign.js';

const git = promisify(execFile);

export interface BuildOptions {
  /** Policy folder (Rego, data.json files, optional samples/). */
  dir: string;
  entrypoint?: string;
  /** The manifest revision; default: the folder's own git commit (see revisionFor). */
  revision?: string;
  /** Use the digest of the sources as revision: the same sources give the same bundle anywhere. */
  contentRevision?: boolean;
  /** PEM private key file: sign the bundle. */
  signingKeyPath?: string;
  signingAlg?: string;
  keyId?: string;
  opaPath?: string;
}

export interface BuildResult {
  bytes: Buffer;
  revision: string;
  report: CheckReport;
  /** The PEM public key that verifies the signature, when signed. */
  publicKeyPem?: string;
}

// Left out of the bundle: Rego tests, test fixtures, samples (added by Mandate), bundles, VCS, and
// node_modules, which policySources skips too (else a data.json there would be in the bundle but
// not in the content revision).
const IGNORED = ['*_test.rego', 'testdata', SAMPLES_DIR, '*.tar.gz', '.git', 'node_modules'];

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.name === '.git' || e.name === 'testdata' || e.name === 'node_modules') continue;
    if (e.isDirectory()) out.push(...(await walk(p, base)));
    else if (e.isFile()) out.push(relative(base, p).split(sep).join('/'));
  }
  return out.sort();
}

/** The files that make the bundle: Rego (not tests) and data documents, by path in the folder. */
export async function policySources(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const rel of await walk(dir)) {
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    const sources =
      (rel.endsWith('.rego') && !rel.endsWith('_test.rego')) ||
      base === 'data.json' ||
      base === 'data.yaml' ||
      (rel.startsWith(`${SAMPLES_DIR}/`) && rel.endsWith('.json'));
    if (sources) files.set(rel, await readFile(join(dir, rel)));
  }
  return files;
}

/**
 * SHA-256 over the OPA version and the sources' names and contents: the revision
 * `--content-revision` gives (a new OPA compiles another policy.wasm, so it is part of it).
 */
export function sourceDigest(files: ReadonlyMap<string, Buffer>, opaVersion: string): string {
  const h = createHash('sha256');
  h.update(`opa ${opaVersion}\0`);
  for (const [name, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    h.update(`${name}\0${content.length}\0`);
    h.update(content);
  }
  return h.digest('hex');
}

/**
 * The folder's revision: the last git commit that touched it (12 hex digits), with
 * "+dirty.<digest>" when its files differ from that commit; outside git, the sources' digest.
 */
export async function revisionFor(
  dir: string,
  files: ReadonlyMap<string, Buffer>,
  opaVersion: string,
): Promise<string> {
  const digest = `sha256-${sourceDigest(files, opaVersion).slice(0, 12)}`;
  try {
    const { stdout: commit } = await git('git', [
      '-C',
      dir,
      'log',
      '-1',
      '--format=%h',
      '--abbrev=12',
      '--',
      '.',
    ]);
    if (commit.trim() === '') return digest;
    const { stdout: status } = await git('git', ['-C', dir, 'status', '--porcelain', '--', '.']);
    return status.trim() === '' ? commit.trim() : `${commit.trim()}+dirty.${digest.slice('sha256-'.length)}`;
  } catch {
    return digest;
  }
}

/** The OPA CLI's version ("1.22.3"). */
async function opaVersion(bin: string): Promise<string> {
  const { stdout } = await opa(bin, ['version']);
  return /^Version: (\S+)/m.exec(stdout)?.[1] ?? stdout.trim();
}

export async function buildPolicy(opts: BuildOptions): Promise<BuildResult> {
  const dir = resolve(opts.dir);
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory() !== true) throw new Error(`${opts.dir} is not a policy folder`);
  const entrypoint = opts.entrypoint ?? DEFAULT_ENTRYPOINT;
  const sources = await policySources(dir);
  const opaBin = findOpa(opts.opaPath);
  const version = opts.revision === undefined ? await opaVersion(opaBin) : '';
  const revision =
    opts.revision ??
    (opts.contentRevision === true
      ? `sha256-${sourceDigest(sources, version).slice(0, 12)}`
      : await revisionFor(dir, sources, version));
  const signer =
    opts.signingKeyPath === undefined
      ? undefined
      : signingKey(await readFile(opts.signingKeyPath, 'utf8'), opts.signingAlg);

  const work = await mkdtemp(join(tmpdir(), 'mandate-build-'));
  let compiled: Buffer;
  try {
    const args = ['build', '--bundle', '-t', 'wasm', '-e', entrypoint, '--revision', revision];
    for (const i of IGNORED) args.push('--ignore', i);
    // Built from inside the folder, so that module paths are relative (no build-host paths).
    await opa(opaBin, [...args, '-o', join(work, 'opa.tar.gz'), '.'], dir);
    compiled = await readFile(join(work, 'opa.tar.gz'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  let files = new Map((await parseBundle(compiled)).files);
  for (const [name, content] of sources) if (name.startsWith(`${SAMPLES_DIR}/`)) files.set(name, content);
  if (signer !== undefined)
    files = await signBundleFiles(files, signer, opts.keyId === undefined ? {} : { keyid: opts.keyId });
  const bytes = await packBundle(files);

  const rego = new Map([...sources].filter(([n]) => n.endsWith('.rego')));
  const report = await checkBundle(bytes, {
    entrypoint,
    verificationKey: signer?.publicKeyPem,
    sources: { files: rego, of: `in ${opts.dir}` },
  });
  return { bytes, revision, report, ...(signer === undefined ? {} : { publicKeyPem: signer.publicKeyPem }) };
}

/** Writes a bundle atomically: a service watching the file never reads half of it. */
export async function writeBundle(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  const tmp = join(dirname(resolve(path)), `.${Date.now()}.${process.pid}.tmp`);
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

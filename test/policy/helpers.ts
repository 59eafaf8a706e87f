/** Test helpers: build real bundles with `mandate policy build` (the OPA CLI) and re-pack them with tar-stream. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { buildPolicy, writeBundle } from '../../src/policy/build.js';
import { parseBundle, type PolicyBundle } from '../../src/policy/bundle.js';
import type { DecisionInput } from '../../src/policy/contract.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function tempDir(prefix = 'mandate-policy-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Builds a bundle from `src` (default: rego/) into `out` as `mandate policy build` does, and writes
 * it even when the check fails (tests load deliberately broken bundles).
 */
export async function buildBundle(
  out: string,
  opts: { src?: string; signingKey?: string; revision?: string } = {},
): Promise<string> {
  const built = await buildPolicy({
    dir: opts.src ?? join(repoRoot, 'rego'),
    opaPath: opaBin(),
    ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
    ...(opts.signingKey !== undefined ? { signingKeyPath: opts.signingKey } : {}),
  });
  await writeBundle(out, built.bytes);
  return out;
}

/** Writes a one-package policy (package mcp.authz) plus optional data into a fresh source dir. */
export function writePolicy(rego: string, data?: unknown): string {
  const src = tempDir('mandate-rego-');
  mkdirSync(join(src, 'mcp/authz'), { recursive: true });
  writeFileSync(join(src, 'mcp/authz/policy.rego'), rego);
  if (data !== undefined) writeFileSync(join(src, 'data.json'), JSON.stringify(data));
  return src;
}

export async function unpack(gz: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  const done = new Promise<void>((res, rej) => {
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        files.set(h.name, Buffer.concat(chunks));
        next();
      });
    });
    ex.on('finish', res);
    ex.on('error', rej);
  });
  ex.end(gunzipSync(gz));
  await done;
  return files;
}

export async function repack(files: Map<string, Buffer>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((res) => p.on('end', res));
  for (const [name, content] of files) p.entry({ name, size: content.length }, content);
  p.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

/** Re-packs a bundle file after `mutate` edits its entries (names as in the tar, e.g. `/data.json`). */
export async function tamper(path: string, mutate: (files: Map<string, Buffer>) => void): Promise<Buffer> {
  const files = await unpack(readFileSync(path));
  mutate(files);
  return repack(files);
}

export const NOW = 1_764_140_000;

export function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    action: 'token_exchange',
    now: NOW,
    subject: { sub: 'alice', iss: 'https://idp.example', groups: ['sales'], claims: {}, exp: NOW + 3600 },
    client: { client_id: 'claude-desktop', trust: 'registered' },
    actor: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce' },
    target: { audience: 'https://api.salesforce.example', resource: 'https://api.salesforce.example' },
    scopes: ['crm.read'],
    context: {},
    ...overrides,
  };
}

let opaPath: string | undefined;
/** The pinned OPA CLI (scripts/install-opa.sh). */
export function opaBin(): string {
  opaPath ??= execFileSync('bash', [join(repoRoot, 'scripts/install-opa.sh')])
    .toString()
    .trim();
  return opaPath;
}

/**
 * Compiles Rego with the pinned OPA to a WebAssembly bundle (`opa build -t wasm`) and returns it
 * parsed: for tests of what Mandate does with a real compiled module. `rego` holds whole files by
 * path (e.g. `{ 'probe/probe.rego': 'package probe ...' }`); `entrypoints` as `opa build -e` takes them.
 */
export async function compileWasm(
  rego: Record<string, string>,
  entrypoints: string[],
  data?: unknown,
): Promise<PolicyBundle> {
  const src = tempDir('mandate-wasm-');
  for (const [path, text] of Object.entries(rego)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  if (data !== undefined) writeFileSync(join(src, 'data.json'), JSON.stringify(data));
  const out = join(src, 'bundle.tar.gz');
  const eps = entrypoints.flatMap((e) => ['-e', e]);
  execFileSync(opaBin(), ['build', '-b', '-t', 'wasm', ...eps, '-o', out, '.'], {
    cwd: src,
    env: { ...process.env, TZ: 'UTC' },
  });
  return parseBundle(readFileSync(out));
}

/**
 * Reads an OPA bundle (a gzipped tarball: `/policy.wasm`, `/data.json`, `/.manifest`, optional
 * `/.signatures.json`, Rego sources) into memory, with size caps and path checks, so that a
 * malformed or hostile file fails with a precise message instead of a crash or a zip bomb.
 * Format: https://www.openpolicyagent.org/docs/management-bundles#bundle-file-format
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import type { Header } from 'tar-stream';

const gunzipAsync = promisify(gunzip);

export const SIGNATURES_FILE = '.signatures.json';

export interface BundleLimits {
  /** The gzipped file. */
  maxCompressedBytes: number;
  /** The whole tarball once decompressed. */
  maxUncompressedBytes: number;
  /** Any one file. */
  maxFileBytes: number;
  maxFiles: number;
}

export const defaultBundleLimits: BundleLimits = {
  maxCompressedBytes: 64 * 1024 * 1024,
  maxUncompressedBytes: 256 * 1024 * 1024,
  maxFileBytes: 128 * 1024 * 1024,
  maxFiles: 10_000,
};

export interface BundleSignatures {
  signatures: string[];
  plugin?: string;
}

export interface PolicyBundle {
  wasm: Buffer;
  /** The merged data document (each `data.json` at its directory's path). */
  data: Record<string, unknown>;
  manifest: Record<string, unknown>;
  signatures?: BundleSignatures;
  /** Every file by normalized name (no leading `/`), `.signatures.json` included. */
  files: Map<string, Buffer>;
}

/**
 * Normalizes a tar entry name to a bundle-relative path. OPA writes entries as `/data.json`: a
 * leading `/` (or `./`) means the bundle root. Anything that could escape or alias a path
 * (`..`, `.`, empty segments, backslashes, NUL) is rejected.
 */
export function normalizeEntryName(name: string): string {
  let n = name;
  if (n.startsWith('./')) n = n.slice(2);
  else if (n.startsWith('/')) n = n.slice(1);
  if (n === '') throw new Error(`bundle entry with an empty name`);
  if (n.includes('\\') || n.includes('\0') || /^[a-zA-Z]:/.test(n)) {
    throw new Error(`bundle entry ${JSON.stringify(name)}: illegal path`);
  }
  for (const seg of n.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') {
      throw new Error(`bundle entry ${JSON.stringify(name)}: illegal path (absolute, empty or '..' segment)`);
    }
  }
  return n;
}

function untar(tarball: Buffer, limits: BundleLimits): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, Buffer>();
    const ex = extract();
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      ex.destroy();
      reject(err);
    };
    ex.on('entry', (header: Header, stream, next) => {
      try {
        if (header.type === 'directory') {
          stream.resume();
          stream.on('end', () => next());
          return;
        }
        if (header.type !== 'file' && header.type !== 'contiguous-file') {
          throw new Error(`bundle entry ${JSON.stringify(header.name)}: unsupported type ${header.type}`);
        }
        const name = normalizeEntryName(header.name);
        if (files.has(name)) throw new Error(`bundle entry ${name}: duplicated`);
        if (files.size >= limits.maxFiles) throw new Error(`bundle has more than ${limits.maxFiles} files`);
        if ((header.size ?? 0) > limits.maxFileBytes) {
          throw new Error(
            `bundle entry ${name}: ${header.size} bytes exceeds the ${limits.maxFileBytes}-byte limit`,
          );
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => {
          chunks.push(c as Buffer);
        });
        stream.on('end', () => {
          files.set(name, Buffer.concat(chunks));
          next();
        });
        stream.on('error', (e: Error) => fail(e));
      } catch (e) {
        stream.resume();
        fail(e as Error);
      }
    });
    ex.on('finish', () => {
      if (!failed) resolve(files);
    });
    ex.on('error', (e: Error) => fail(new Error(`bundle is not a valid tar archive: ${e.message}`)));
    ex.end(tarball);
  });
}

function parseJsonFile(name: string, buf: Buffer): unknown {
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`bundle file ${name} is not valid JSON: ${(e as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Places a `data.json` found in directory `dir` at that path of the data document. */
function mergeData(root: Record<string, unknown>, dir: string[], value: unknown, name: string): void {
  if (!isObject(value)) throw new Error(`bundle file ${name} must hold a JSON object`);
  let node = root;
  for (const seg of dir) {
    const next = node[seg];
    if (next === undefined) node[seg] = {};
    else if (!isObject(next)) throw new Error(`bundle file ${name} conflicts with data at ${dir.join('/')}`);
    node = node[seg] as Record<string, unknown>;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k in node) throw new Error(`bundle file ${name}: data key ${[...dir, k].join('/')} defined twice`);
    node[k] = v;
  }
}

/** Parses a gzipped OPA bundle held in memory. Throws an Error naming the first malformation. */
export async function parseBundle(
  gz: Buffer,
  limits: BundleLimits = defaultBundleLimits,
): Promise<PolicyBundle> {
  if (gz.length === 0) throw new Error('bundle file is empty');
  if (gz.length > limits.maxCompressedBytes) {
    throw new Error(`bundle is ${gz.length} bytes; the limit is ${limits.maxCompressedBytes}`);
  }
  let tarball: Buffer;
  try {
    tarball = await gunzipAsync(gz, { maxOutputLength: limits.maxUncompressedBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new Error(`bundle decompresses beyond the ${limits.maxUncompressedBytes}-byte limit`);
    }
    throw new Error(`bundle is not gzip data: ${err.message}`);
  }
  const files = await untar(tarball, limits);

  const wasmEntries = [...files.keys()].filter((n) => n.endsWith('.wasm'));
  if (wasmEntries.length === 0)
    throw new Error('bundle has no policy.wasm (build it with `opa build -t wasm`)');
  if (wasmEntries.length > 1)
    throw new Error(`bundle has several wasm modules (${wasmEntries.join(', ')}); one expected`);
  const wasm = files.get(wasmEntries[0] as string) as Buffer;

  const data: Record<string, unknown> = {};
  for (const [name, buf] of files) {
    const segs = name.split('/');
    if (segs[segs.length - 1] !== 'data.json') continue;
    mergeData(data, segs.slice(0, -1), parseJsonFile(name, buf), name);
  }

  let manifest: Record<string, unknown> = {};
  const manifestBuf = files.get('.manifest');
  if (manifestBuf !== undefined) {
    const m = parseJsonFile('.manifest', manifestBuf);
    if (!isObject(m)) throw new Error('bundle .manifest must be a JSON object');
    if (m.revision !== undefined && typeof m.revision !== 'string') {
      throw new Error('bundle .manifest revision must be a string');
    }
    manifest = m;
  }

  const bundle: PolicyBundle = { wasm, data, manifest, files };
  const sigBuf = files.get(SIGNATURES_FILE);
  if (sigBuf !== undefined) {
    const s = parseJsonFile(SIGNATURES_FILE, sigBuf);
    if (!isObject(s) || !Array.isArray(s.signatures) || !s.signatures.every((x) => typeof x === 'string')) {
      throw new Error('bundle .signatures.json must be {"signatures": [<JWT>]}');
    }
    bundle.signatures = { signatures: s.signatures as string[] };
    if (typeof s.plugin === 'string') bundle.signatures.plugin = s.plugin;
  }
  return bundle;
}

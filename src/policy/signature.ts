/**
 * OPA bundle signature verification
 * (https://www.openpolicyagent.org/docs/management-bundles#signing): `.signatures.json` holds
 * exactly one JWT whose payload lists every file with its hash; the JWT must verify against the
 * configured public key, and every file of the bundle must be listed with a matching digest, and
 * nothing listed may be missing. Mirrors open-policy-agent/opa v1/bundle/verify.go.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import { canonicalJson } from './opa-bundle-json.js';
import { SIGNATURES_FILE } from './bundle.js';
import type { PolicyBundle } from './bundle.js';

/** Asymmetric algorithms only: never `none`, never HMAC (a public key must not double as a secret). */
export const defaultSignatureAlgorithms = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;

export interface SignatureOptions {
  /** PEM public key (SPKI) or certificate. */
  publicKey: string;
  /** Allowed JWS algorithms; defaults to {@link defaultSignatureAlgorithms}. HS* and none are refused. */
  algorithms?: readonly string[];
  /** OPA's `scope` claim must equal this (OPA's default: empty). */
  scope?: string;
}

interface FileEntry {
  name: string;
  hash: string;
  algorithm: string;
}

// OPA also accepts MD5 and SHA-1; a signature over a broken hash is refused here.
const hashAlgorithms: Record<string, string> = {
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};

/** OPA hashes data.json / .manifest over their canonical JSON form, everything else over raw bytes. */
function isStructured(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base === 'data.json' || base === '.manifest';
}

export function hashBundleFile(name: string, content: Buffer, algorithm: string): string {
  const alg = hashAlgorithms[algorithm];
  if (alg === undefined)
    throw new Error(`bundle signature: unsupported hash algorithm ${algorithm} for ${name}`);
  const h = createHash(alg);
  h.update(isStructured(name) ? Buffer.from(canonicalJson(content), 'utf8') : content);
  return h.digest('hex');
}

function parseFiles(payload: Record<string, unknown>): Map<string, FileEntry> {
  const files = payload.files;
  if (!Array.isArray(files)) throw new Error('bundle signature: payload has no files list');
  const out = new Map<string, FileEntry>();
  for (const f of files as unknown[]) {
    const e = f as Partial<FileEntry> | null;
    if (typeof e?.name !== 'string' || typeof e.hash !== 'string' || typeof e.algorithm !== 'string') {
      throw new Error('bundle signature: malformed files entry (want {name, hash, algorithm})');
    }
    const name = e.name.replace(/^\/+/, '');
    if (out.has(name)) throw new Error(`bundle signature: ${name} listed twice`);
    out.set(name, { name, hash: e.hash.toLowerCase(), algorithm: e.algorithm });
  }
  return out;
}

/**
 * Verifies a bundle's signature. Resolves with the signed payload's `keyid` (if any); rejects
 * with an Error saying why the bundle is refused.
 */
export async function verifyBundleSignature(
  bundle: PolicyBundle,
  opts: SignatureOptions,
): Promise<{ keyid: string | undefined }> {
  const sigs = bundle.signatures;
  if (sigs === undefined)
    throw new Error('bundle is not signed (no .signatures.json) but a verification key is configured');
  if (sigs.plugin !== undefined && sigs.plugin !== '' && sigs.plugin !== '_default') {
    throw new Error(`bundle signature: plugin ${sigs.plugin} is not supported`);
  }
  if (sigs.signatures.length !== 1) {
    throw new Error(`bundle signature: expected exactly one JWT, found ${sigs.signatures.length}`);
  }
  const algorithms = (opts.algorithms ?? defaultSignatureAlgorithms).filter(
    (a) => a !== 'none' && !a.startsWith('HS'),
  );
  if (algorithms.length === 0) throw new Error('bundle signature: no asymmetric algorithm allowed');

  let key;
  try {
    key = createPublicKey(opts.publicKey);
  } catch (e) {
    throw new Error(`bundle verification key is not a PEM public key: ${(e as Error).message}`);
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(sigs.signatures[0] as string, key, { algorithms }));
  } catch (e) {
    throw new Error(`bundle signature does not verify: ${(e as Error).message}`);
  }
  const scope = typeof payload.scope === 'string' ? payload.scope : '';
  if (scope !== (opts.scope ?? '')) throw new Error('bundle signature: scope mismatch');

  const listed = parseFiles(payload);
  for (const [name, content] of bundle.files) {
    if (name === SIGNATURES_FILE) continue;
    const entry = listed.get(name);
    if (entry === undefined) throw new Error(`bundle file ${name} is not covered by the signature`);
    let digest: string;
    try {
      digest = hashBundleFile(name, content, entry.algorithm);
    } catch (e) {
      throw new Error(`bundle file ${name}: ${(e as Error).message}`);
    }
    if (digest !== entry.hash)
      throw new Error(`bundle file ${name}: digest mismatch (tampered or re-packed)`);
    listed.delete(name);
  }
  if (listed.size > 0) {
    throw new Error(`bundle signature lists files missing from the bundle: ${[...listed.keys()].join(', ')}`);
  }
  return { keyid: typeof payload.keyid === 'string' ? payload.keyid : undefined };
}

/**
 * Loading a bundle the one way the service does (and `mandate policy check` does): parse the
 * gzipped tarball, verify its signature when a key is configured, instantiate the WebAssembly
 * module with the host builtins, refuse a module needing a builtin nobody provides, load the data
 * with the configuration's registry overlaid (registry.ts).
 */
import { createHash } from 'node:crypto';
import { parseBundle } from './bundle.js';
import type { PolicyBundle } from './bundle.js';
import { createEvaluator } from './evaluator.js';
import type { Evaluator } from './evaluator.js';
import { overlayRegistry } from './registry.js';
import type { PolicyRegistry } from './registry.js';
import { verifyBundleSignature } from './signature.js';

export interface BundleInfo {
  revision: string;
  /** SHA-256 (hex) of the bundle file. */
  digest: string;
  /** SHA-256 (hex) of the registry overlaid onto the bundle's data (registry.ts), when there is one. */
  registry?: string;
}

export interface LoadOptions {
  entrypoint: string;
  /** PEM public key: when set, only bundles signed by it load (unsigned/tampered are refused). */
  verificationKey?: string | undefined;
  /** JWS algorithms accepted for the bundle signature. */
  verificationAlgorithms?: readonly string[] | undefined;
  /** The policy's own Rego sources, to name where an unsupported builtin is called (policy build). */
  sources?: { files: ReadonlyMap<string, Buffer>; of: string } | undefined;
  /** The configuration's registry, overlaid onto the bundle's data (ADR 0007). */
  registry?: PolicyRegistry | undefined;
}

export interface LoadedBundle {
  evaluator: Evaluator;
  bundle: PolicyBundle;
  info: BundleInfo;
  /** Entries of the bundle's data the registry left out (registry.ts overlayRegistry). */
  dropped: string[];
}

/** A bundle that was refused: why, and what is known of it (its digest; its revision if it parsed). */
export class BundleRefusedError extends Error {
  override name = 'BundleRefusedError';
  constructor(
    message: string,
    readonly digest: string,
    readonly revision: string | undefined,
  ) {
    super(message);
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function revisionOf(bundle: PolicyBundle): string {
  return typeof bundle.manifest.revision === 'string' ? bundle.manifest.revision : '';
}

export async function loadBundle(bytes: Buffer, opts: LoadOptions): Promise<LoadedBundle> {
  const digest = sha256Hex(bytes);
  let bundle: PolicyBundle | undefined;
  try {
    bundle = await parseBundle(bytes);
    if (opts.verificationKey !== undefined) {
      await verifyBundleSignature(bundle, {
        publicKey: opts.verificationKey,
        ...(opts.verificationAlgorithms ? { algorithms: opts.verificationAlgorithms } : {}),
      });
    }
    const overlaid =
      opts.registry === undefined ? undefined : overlayRegistry(bundle.data, opts.registry.data);
    const evaluator = await createEvaluator(
      overlaid === undefined ? bundle : { ...bundle, data: overlaid.data },
      opts.entrypoint,
      opts.sources,
    );
    const info: BundleInfo = { revision: revisionOf(bundle), digest };
    if (opts.registry !== undefined) info.registry = opts.registry.digest;
    return { evaluator, bundle, info, dropped: overlaid?.dropped ?? [] };
  } catch (e) {
    throw new BundleRefusedError(
      e instanceof Error ? e.message : String(e),
      digest,
      bundle === undefined ? undefined : revisionOf(bundle),
    );
  }
}

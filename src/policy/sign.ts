/**
 * Signs a bundle the way `opa build --signing-key` does
 * (https://www.openpolicyagent.org/docs/management-bundles#signing): `.signatures.json` holds one
 * JWT whose payload lists every file with its SHA-256 (over canonical JSON for data.json and
 * .manifest, as signature.ts verifies). The algorithm follows the key: ES256/ES384/ES512 by the
 * EC curve, RS256 for RSA, PS256 for RSA-PSS, EdDSA for Ed25519; `alg` overrides it.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { SIGNATURES_FILE } from './bundle.js';
import { hashBundleFile } from './signature.js';

export interface BundleSigningKey {
  key: KeyObject;
  alg: string;
  /** The PEM public key that verifies this signature (MANDATE_POLICY_PUBLIC_KEY). */
  publicKeyPem: string;
}

const curves: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

export function signingKey(pem: string, alg?: string): BundleSigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new Error(`the signing key is not a PEM private key: ${(e as Error).message}`);
  }
  let chosen = alg;
  if (chosen === undefined) {
    const type = key.asymmetricKeyType;
    const curve = key.asymmetricKeyDetails?.namedCurve;
    chosen =
      type === 'ec'
        ? curves[curve ?? '']
        : type === 'rsa'
          ? 'RS256'
          : type === 'rsa-pss'
            ? 'PS256'
            : type === 'ed25519'
              ? 'EdDSA'
              : undefined;
    if (chosen === undefined)
      throw new Error(
        `a ${type ?? 'unknown'} ${curve ?? ''} key cannot sign a bundle (use P-256, P-384, P-521, RSA or Ed25519)`,
      );
  }
  const publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  return { key, alg: chosen, publicKeyPem };
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `files` plus the `.signatures.json` that signs them. */
export async function signBundleFiles(
  files: ReadonlyMap<string, Buffer>,
  signer: BundleSigningKey,
  opts: { keyid?: string } = {},
): Promise<Map<string, Buffer>> {
  const entries = [...files.keys()]
    .filter((n) => n !== SIGNATURES_FILE)
    .sort(byName)
    .map((name) => ({
      name,
      hash: hashBundleFile(name, files.get(name) as Buffer, 'SHA-256'),
      algorithm: 'SHA-256',
    }));
  const payload = { files: entries, ...(opts.keyid === undefined ? {} : { keyid: opts.keyid }) };
  let jwt: string;
  try {
    jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: signer.alg })
      .sign(signer.key);
  } catch (e) {
    throw new Error(`cannot sign the bundle with ${signer.alg}: ${(e as Error).message}`);
  }
  const out = new Map(files);
  out.set(SIGNATURES_FILE, Buffer.from(JSON.stringify({ signatures: [jwt] })));
  return out;
}

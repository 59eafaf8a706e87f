// Signing a bundle as `opa build --signing-key` does: the algorithm follows the key, the
// signature lists every file's hash and verifies with the public key it reports, and a bad key or
// an algorithm the key cannot make is refused with a clear message.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { SIGNATURES_FILE } from '../../src/policy/bundle.js';
import { hashBundleFile } from '../../src/policy/signature.js';
import { signBundleFiles, signingKey } from '../../src/policy/sign.js';

const pem = (k: ReturnType<typeof generateKeyPairSync>['privateKey']): string =>
  k.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('signingKey', () => {
  it('chooses the algorithm from the key', () => {
    const ec = (namedCurve: string) => pem(generateKeyPairSync('ec', { namedCurve }).privateKey);
    expect(signingKey(ec('P-256')).alg).toBe('ES256');
    expect(signingKey(ec('P-384')).alg).toBe('ES384');
    expect(signingKey(ec('P-521')).alg).toBe('ES512');
    expect(signingKey(pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)).alg).toBe('RS256');
    expect(signingKey(pem(generateKeyPairSync('ed25519').privateKey)).alg).toBe('EdDSA');
  });

  it('takes an explicit algorithm and reports the PEM public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const k = signingKey(pem(privateKey), 'PS256');
    expect(k.alg).toBe('PS256');
    expect(k.publicKeyPem).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  });

  it('refuses what is not a PEM private key, and curves no JWS algorithm has', () => {
    expect(() => signingKey('not a key')).toThrow(/^the signing key is not a PEM private key: /);
    const k = pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey);
    expect(() => signingKey(k)).toThrow(
      'a ec secp256k1 key cannot sign a bundle (use P-256, P-384, P-521, RSA or Ed25519)',
    );
    const x = pem(generateKeyPairSync('x25519').privateKey);
    expect(() => signingKey(x)).toThrow(/^a x25519 {2}key cannot sign a bundle/);
  });
});

describe('signBundleFiles', () => {
  const files = new Map([
    ['policy.wasm', Buffer.from('wasm')],
    ['data.json', Buffer.from('{"b": 1, "a": 2}')],
    ['.manifest', Buffer.from('{"revision":"r1"}')],
    [SIGNATURES_FILE, Buffer.from('old')],
  ]);

  it('adds one JWT over every file but the old signatures, sorted, with OPA hashes', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const k = signingKey(pem(privateKey));
    const out = await signBundleFiles(files, k, { keyid: 'ci' });
    expect(out.get('policy.wasm')).toEqual(files.get('policy.wasm'));
    const { signatures } = JSON.parse(out.get(SIGNATURES_FILE)!.toString()) as { signatures: string[] };
    expect(signatures).toHaveLength(1);
    expect(decodeProtectedHeader(signatures[0]!)).toEqual({ alg: 'ES256' });
    const { payload } = await compactVerify(signatures[0]!, createPublicKey(k.publicKeyPem));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
      files: ['.manifest', 'data.json', 'policy.wasm'].map((name) => ({
        name,
        hash: hashBundleFile(name, files.get(name)!, 'SHA-256'),
        algorithm: 'SHA-256',
      })),
      keyid: 'ci',
    });
  });

  it('refuses to sign with an algorithm the key cannot make', async () => {
    const k = signingKey(pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), 'RS256');
    await expect(signBundleFiles(files, k)).rejects.toThrow(/^cannot sign the bundle with RS256: /);
  });
});

// Loading a bundle as the service does: parsed, signature verified when a key is configured,
// instantiated, registry overlaid. A refusal is a BundleRefusedError carrying the digest and, once
// the bundle parsed, its revision, so that operators can name the bundle they were offered.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENTRYPOINT } from '../../src/policy/contract.js';
import { BundleRefusedError, loadBundle, revisionOf, sha256Hex } from '../../src/policy/load.js';
import { policyRegistry } from '../../src/policy/registry.js';
import { buildBundle, input, repoRoot, tempDir, writePolicy } from './helpers.js';

const shipped = readFileSync(join(repoRoot, 'bundles/default.tar.gz'));
let keys: { pub: string; otherPub: string; keyPath: string };

beforeAll(() => {
  const dir = tempDir();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = join(dir, 'key.pem');
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  keys = {
    keyPath,
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    otherPub: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString(),
  };
});

describe('loadBundle', () => {
  it('loads the shipped bundle, naming it by revision and file digest', async () => {
    const loaded = await loadBundle(shipped, { entrypoint: DEFAULT_ENTRYPOINT });
    expect(loaded.info).toEqual({ revision: revisionOf(loaded.bundle), digest: sha256Hex(shipped) });
    expect(loaded.info.revision).toMatch(/^sha256-[0-9a-f]{12}$/);
    expect(loaded.dropped).toEqual([]);
    expect(loaded.evaluator.evaluate(input())).toMatchObject({ allow: expect.any(Boolean) as boolean });
  });

  it('refuses bytes that are not a bundle, with the digest and no revision', async () => {
    const bytes = Buffer.from('not a bundle');
    const e = (await loadBundle(bytes, { entrypoint: DEFAULT_ENTRYPOINT }).catch(
      (x: unknown) => x,
    )) as BundleRefusedError;
    expect(e).toBeInstanceOf(BundleRefusedError);
    expect(e.digest).toBe(sha256Hex(bytes));
    expect(e.revision).toBeUndefined();
  });

  it('refuses an unsigned bundle when a key is configured, with its revision', async () => {
    const e = (await loadBundle(shipped, { entrypoint: DEFAULT_ENTRYPOINT, verificationKey: keys.pub }).catch(
      (x: unknown) => x,
    )) as BundleRefusedError;
    expect(e.message).toBe('bundle is not signed (no .signatures.json) but a verification key is configured');
    expect(e.revision).toMatch(/^sha256-/);
  });

  it('loads a bundle signed by the configured key and refuses one signed by another', async () => {
    const out = await buildBundle(join(tempDir(), 's.tar.gz'), {
      signingKey: keys.keyPath,
      revision: 'signed-1',
    });
    const bytes = readFileSync(out);
    const ok = await loadBundle(bytes, { entrypoint: DEFAULT_ENTRYPOINT, verificationKey: keys.pub });
    expect(ok.info.revision).toBe('signed-1');
    await expect(
      loadBundle(bytes, { entrypoint: DEFAULT_ENTRYPOINT, verificationKey: keys.otherPub }),
    ).rejects.toThrow(/^bundle signature does not verify: /);
    await expect(
      loadBundle(bytes, {
        entrypoint: DEFAULT_ENTRYPOINT,
        verificationKey: keys.pub,
        verificationAlgorithms: ['RS256'],
      }),
    ).rejects.toThrow(BundleRefusedError);
  }, 120_000);

  it('refuses an entrypoint the bundle lacks', async () => {
    await expect(loadBundle(shipped, { entrypoint: 'mcp/authz/other' })).rejects.toThrow(
      /^entrypoint mcp\/authz\/other is not in the bundle/,
    );
  });

  it('overlays the registry, recording its digest and the entries it leaves out', async () => {
    const src = writePolicy(
      'package mcp.authz\n\ndecision := {"allow": false, "reasons": [object.keys(data.mandate.services)]}\n',
      {
        mandate: { services: { a: { audience: 'https://a' }, b: { audience: 'https://b' } } },
      },
    );
    const bytes = readFileSync(await buildBundle(join(tempDir(), 'r.tar.gz'), { src, revision: 'reg' }));
    const registry = policyRegistry(
      { mcp_servers: {}, services: { a: { audience: 'https://a' } }, actors: {} },
      'test',
    );
    const loaded = await loadBundle(bytes, { entrypoint: DEFAULT_ENTRYPOINT, registry });
    expect(loaded.info).toEqual({ revision: 'reg', digest: sha256Hex(bytes), registry: registry.digest });
    expect(loaded.dropped).toEqual(['services/b']);
  }, 120_000);
});

describe('revisionOf', () => {
  it("is the manifest's string revision, else empty", () => {
    const b = { manifest: {} } as Parameters<typeof revisionOf>[0];
    expect(revisionOf(b)).toBe('');
    expect(revisionOf({ ...b, manifest: { revision: 5 } })).toBe('');
    expect(revisionOf({ ...b, manifest: { revision: 'x' } })).toBe('x');
    expect(sha256Hex(Buffer.from('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultBundleLimits, normalizeEntryName, parseBundle } from '../../src/policy/bundle.js';
import { buildBundle, repack, tempDir, unpack } from './helpers.js';

let real: Buffer;
beforeAll(async () => {
  real = readFileSync(await buildBundle(join(tempDir(), 'b.tar.gz'), { revision: 'r1' }));
});

describe('parseBundle', () => {
  it('reads wasm, data, manifest and every file', async () => {
    const b = await parseBundle(real);
    expect(b.wasm.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    expect(b.manifest).toMatchObject({ revision: 'r1' });
    expect(Object.keys(b.data)).toEqual(['mandate']);
    expect([...b.files.keys()]).toContain('mcp/authz/decision.rego');
    expect(b.signatures).toBeUndefined();
  });

  it('places nested data.json files at their directory', async () => {
    const files = await unpack(real);
    files.set('/extra/dir/data.json', Buffer.from('{"k": 1}'));
    const b = await parseBundle(await repack(files));
    expect(b.data.extra).toEqual({ dir: { k: 1 } });
  });

  const variants: [string, (f: Map<string, Buffer>) => void, RegExp][] = [
    ['a path with ..', (f) => f.set('../evil', Buffer.from('x')), /illegal path/],
    ['a nested ..', (f) => f.set('/a/../../evil', Buffer.from('x')), /illegal path/],
    ['no wasm', (f) => f.delete('/policy.wasm'), /no policy\.wasm/],
    ['two wasm modules', (f) => f.set('/other.wasm', Buffer.from('x')), /several wasm modules/],
    ['bad data.json', (f) => f.set('/data.json', Buffer.from('{')), /data\.json is not valid JSON/],
    ['data.json not an object', (f) => f.set('/data.json', Buffer.from('[1]')), /must hold a JSON object/],
    ['bad manifest', (f) => f.set('/.manifest', Buffer.from('{"revision": 7}')), /revision must be a string/],
    [
      'bad signatures file',
      (f) => f.set('/.signatures.json', Buffer.from('{"signatures": [1]}')),
      /signatures\.json must be/,
    ],
  ];
  it.each(variants)('rejects %s', async (_name, mutate, message) => {
    const files = await unpack(real);
    mutate(files);
    await expect(parseBundle(await repack(files))).rejects.toThrow(message);
  });

  it('rejects empty, non-gzip and non-tar input', async () => {
    await expect(parseBundle(Buffer.alloc(0))).rejects.toThrow(/empty/);
    await expect(parseBundle(Buffer.from('hello'))).rejects.toThrow(/not gzip/);
    await expect(parseBundle(gzipSync(Buffer.alloc(1024, 7)))).rejects.toThrow(/not a valid tar/);
  });

  it('enforces the size caps (compressed, decompressed, per file)', async () => {
    await expect(parseBundle(real, { ...defaultBundleLimits, maxCompressedBytes: 100 })).rejects.toThrow(
      /the limit is 100/,
    );
    await expect(
      parseBundle(gzipSync(Buffer.alloc(1 << 20)), { ...defaultBundleLimits, maxUncompressedBytes: 1000 }),
    ).rejects.toThrow(/decompresses beyond/);
    await expect(parseBundle(real, { ...defaultBundleLimits, maxFileBytes: 1000 })).rejects.toThrow(
      /exceeds the 1000-byte limit/,
    );
    await expect(parseBundle(real, { ...defaultBundleLimits, maxFiles: 2 })).rejects.toThrow(
      /more than 2 files/,
    );
  });
});

describe('normalizeEntryName', () => {
  it('treats a leading / or ./ as the bundle root (OPA writes /data.json)', () => {
    expect(normalizeEntryName('/data.json')).toBe('data.json');
    expect(normalizeEntryName('./a/b.rego')).toBe('a/b.rego');
  });
  it.each(['//etc/passwd', 'a//b', 'a/./b', '..', 'a\\b', 'C:/x', '', '/'])('rejects %j', (n) => {
    expect(() => normalizeEntryName(n)).toThrow();
  });
});

// Reproducible bundles: the same files give the same tar whatever their insertion order, every
// header is fixed (mode, owner, time), names get OPA's leading "/", and the gzip header carries no
// time and OS 255.
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { packBundle, sameBundleContent, tarOf } from '../../src/policy/pack.js';

const files = (entries: [string, string][]): Map<string, Buffer> =>
  new Map(entries.map(([n, c]) => [n, Buffer.from(c)]));

async function headers(tar: Buffer): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  const ex = extract();
  const done = new Promise<void>((res, rej) => {
    ex.on('entry', (h, stream, next) => {
      out.push({
        name: h.name,
        mode: h.mode,
        uid: h.uid,
        gid: h.gid,
        mtime: h.mtime?.getTime(),
        size: h.size,
      });
      stream.resume();
      stream.on('end', next);
    });
    ex.on('finish', res);
    ex.on('error', rej);
  });
  ex.end(tar);
  await done;
  return out;
}

describe('bundle packing', () => {
  it('writes entries in name order with fixed headers and a leading "/"', async () => {
    const tar = await tarOf(
      files([
        ['policy.wasm', 'wasm'],
        ['data.json', '{}'],
        ['.manifest', 'm'],
      ]),
    );
    expect(await headers(tar)).toEqual([
      { name: '/.manifest', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 1 },
      { name: '/data.json', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 2 },
      { name: '/policy.wasm', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 4 },
    ]);
  });

  it('gives the same bytes for the same files in any order', async () => {
    const a = await packBundle(
      files([
        ['b', '2'],
        ['a', '1'],
      ]),
    );
    const b = await packBundle(
      files([
        ['a', '1'],
        ['b', '2'],
      ]),
    );
    expect(a.equals(b)).toBe(true);
  });

  it('writes a gzip header with no time and the unknown OS', async () => {
    const gz = await packBundle(files([['a', '1']]));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[9]).toBe(0xff);
    expect(gunzipSync(gz).equals(await tarOf(files([['a', '1']])))).toBe(true);
  });

  it('compares bundles by their tar: equal content, different content', async () => {
    const a = await packBundle(files([['a', '1']]));
    expect(await sameBundleContent(a, await packBundle(files([['a', '1']])))).toBe(true);
    expect(await sameBundleContent(a, await packBundle(files([['a', '2']])))).toBe(false);
    expect(await sameBundleContent(a, await packBundle(files([['b', '1']])))).toBe(false);
  });
});

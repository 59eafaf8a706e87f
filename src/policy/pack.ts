/**
 * Writes a bundle tarball byte-for-byte reproducibly: entries in name order, every header the same
 * (mode 0644, owner 0, time 0), gzip with no time and an "unknown" OS byte. Entry names carry OPA's
 * leading "/" (as `opa build` writes them). The same files give the same tar on any machine; the
 * gzip bytes depend on the zlib build, so bundles are compared by their tar (sameBundleContent).
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { pack } from 'tar-stream';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The uncompressed tar of these files (names without a leading "/"). */
export async function tarOf(files: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const name of [...files.keys()].sort(byName)) {
    const content = files.get(name) as Buffer;
    p.entry(
      {
        name: `/${name}`,
        size: content.length,
        mode: 0o644,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        mtime: new Date(0),
      },
      content,
    );
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** A gzipped bundle of these files. */
export async function packBundle(files: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const gz = await gzipAsync(await tarOf(files), { level: 9 });
  // RFC 1952 §2.3.1: MTIME is already 0 (Node writes none); OS = 255 "unknown" on every platform.
  gz[9] = 0xff;
  return gz;
}

/** True when two gzipped bundles hold the same tar, byte for byte. */
export async function sameBundleContent(a: Buffer, b: Buffer): Promise<boolean> {
  const [ta, tb] = await Promise.all([gunzipAsync(a), gunzipAsync(b)]);
  return ta.equals(tb);
}

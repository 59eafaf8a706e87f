import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { defaultBundlePath, demoConfigPath } from '../../src/config/paths.js';

const root = join(import.meta.dirname, '..', '..');

describe('shipped file paths', () => {
  it('the default policy bundle is the gzipped tarball under bundles/', () => {
    expect(defaultBundlePath()).toBe(join(root, 'bundles', 'default.tar.gz'));
    const tar = gunzipSync(readFileSync(defaultBundlePath()));
    // A tar archive: "ustar" at offset 257 of its first header.
    expect(tar.subarray(257, 262).toString()).toBe('ustar');
  });

  it('the demo configuration is the JSON file under examples/', () => {
    expect(demoConfigPath()).toBe(join(root, 'examples', 'mandate.json'));
    expect(existsSync(demoConfigPath())).toBe(true);
    expect(typeof JSON.parse(readFileSync(demoConfigPath(), 'utf8'))).toBe('object');
  });
});

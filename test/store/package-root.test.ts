import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/store/package-root.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-pkgroot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('packageRoot', () => {
  it('is the repository root from the source module itself', () => {
    expect(packageRoot()).toBe(join(import.meta.dirname, '..', '..'));
  });

  it('is the nearest folder above the module holding package.json, however deep', () => {
    mkdirSync(join(dir, 'pkg', 'dist', 'store', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'pkg', 'package.json'), '{}');
    const from = pathToFileURL(join(dir, 'pkg', 'dist', 'store', 'deep', 'm.js')).href;
    expect(packageRoot(from)).toBe(join(dir, 'pkg'));
    // A nearer package.json wins over the outer one.
    writeFileSync(join(dir, 'pkg', 'dist', 'package.json'), '{}');
    expect(packageRoot(from)).toBe(join(dir, 'pkg', 'dist'));
  });

  it('names the module when no folder above it holds package.json', () => {
    const from = pathToFileURL('/no-such-root-' + Date.now() + '/m.js').href;
    expect(() => packageRoot(from)).toThrow(`no package.json above /no-such-root-`);
  });
});

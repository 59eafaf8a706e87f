// `mandate policy` dispatch: an unknown or missing command prints the usage with exit 2, bad
// usage (UsageError or an argument parse error) prints the message and usage with exit 2, and any
// other failure is one line naming the command with exit 1.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { policy } from './io.js';

const USAGE = [
  'usage:',
  '  mandate policy build DIR ',
  '  mandate policy check BUNDLE',
  '  mandate policy eval BUNDLE INPUT.json|-',
  '  mandate policy replay',
];

describe('mandate policy', () => {
  it('prints the usage of every command and exits 2 without a known command', async () => {
    for (const argv of [[], ['nope'], ['--help']]) {
      const r = await policy(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.split('\n');
      expect(lines).toHaveLength(5);
      lines.forEach((l, i) => expect(l.startsWith(USAGE[i]!), l).toBe(true));
    }
  });

  it('answers bad usage with the message, then the usage, and exit 2', async () => {
    const r = await policy(['check']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('mandate policy check: check takes one bundle file');
    expect(r.err.split('\n')[1]).toBe('usage:');
  });

  it('answers an unknown flag (a parse error) as bad usage', async () => {
    const r = await policy(['eval', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^mandate policy eval: Unknown option '--frobnicate'/);
    expect(r.err).toContain('\nusage:\n');
  });

  it('answers any other failure with one line and exit 1', async () => {
    const missing = join(tempDir(), 'missing.tar.gz');
    const r = await policy(['check', missing]);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^mandate policy check: ENOENT: no such file or directory/);
  });
});

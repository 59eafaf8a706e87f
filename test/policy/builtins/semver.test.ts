// semver.is_valid and semver.compare: strict SemVer 2.0.0 with an optional "v", numbers within
// int64, and precedence by spec §11 (pre-releases below releases, numeric below alphanumeric).
import { describe, expect, it } from 'vitest';
import { compareSemver, parseSemver, semverBuiltins } from '../../../src/policy/builtins/semver.js';

const valid = semverBuiltins['semver.is_valid']!;
const compare = semverBuiltins['semver.compare']!;

describe('semver', () => {
  it('parses versions with pre-release and build, and a leading v', () => {
    expect(parseSemver('1.2.3')).toEqual({ major: 1n, minor: 2n, patch: 3n, pre: '' });
    expect(parseSemver('v1.2.3-rc.1+build.5')).toEqual({ major: 1n, minor: 2n, patch: 3n, pre: 'rc.1' });
  });

  it('refuses what is not strict SemVer', () => {
    for (const bad of ['1.2', '1.2.3.4', '01.2.3', '1.2.3-01', '1.2.3-', '1.2.3+', 'V1.2.3', ' 1.2.3', ''])
      expect(valid(bad), bad).toBe(false);
    expect(valid(123)).toBe(false);
    expect(valid('1.0.0-alpha.-1')).toBe(true);
  });

  it('refuses numbers beyond int64', () => {
    expect(valid('9223372036854775807.0.0')).toBe(true);
    expect(valid('9223372036854775808.0.0')).toBe(false);
  });

  it('orders by the spec §11 example chain', () => {
    const chain = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.1.0',
      '2.0.0',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(compare(chain[i], chain[i + 1]), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(compare(chain[i + 1], chain[i])).toBe(1);
    }
  });

  it('ignores build metadata and compares numbers as numbers', () => {
    expect(compare('1.0.0+a', '1.0.0+b')).toBe(0);
    expect(compare('v1.0.0', '1.0.0')).toBe(0);
    expect(compare('1.10.0', '1.9.0')).toBe(1);
    expect(compareSemver(parseSemver('1.0.0-2')!, parseSemver('1.0.0-10')!)).toBe(-1);
  });

  it('is undefined when either side is not a version', () => {
    expect(compare('1.0.0', '1.0')).toBeUndefined();
    expect(compare(1, '1.0.0')).toBeUndefined();
  });
});

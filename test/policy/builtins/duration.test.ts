// time.parse_duration_ns: Go's ParseDuration exactly in nanoseconds (units, fractions, signs,
// int64 overflow) and OPA 1.x's longer units d, w and y; undefined where OPA returns an error.
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/policy/builtins/duration.js';

const MAX = 2n ** 63n - 1n;

describe('parseDuration', () => {
  it('reads Go durations in every unit', () => {
    expect(parseDuration('300ms')).toBe(300_000_000n);
    expect(parseDuration('2h45m')).toBe(9_900_000_000_000n);
    expect(parseDuration('1ns')).toBe(1n);
    expect(parseDuration('1us')).toBe(1_000n);
    expect(parseDuration('1µs')).toBe(1_000n);
    expect(parseDuration('1μs')).toBe(1_000n);
    expect(parseDuration('1s')).toBe(1_000_000_000n);
  });

  it('takes signs, a bare zero and fractions (truncated as Go does)', () => {
    expect(parseDuration('-1.5h')).toBe(-5_400_000_000_000n);
    expect(parseDuration('+10s')).toBe(10_000_000_000n);
    expect(parseDuration('0')).toBe(0n);
    expect(parseDuration('-0')).toBe(0n);
    expect(parseDuration('.5s')).toBe(500_000_000n);
    expect(parseDuration('1.s')).toBe(1_000_000_000n);
    expect(parseDuration('1.0000000001s')).toBe(1_000_000_000n);
  });

  it('refuses what Go refuses', () => {
    for (const bad of ['', '-', '1', 's', '.s', '1x', '1h-1m', '1 h', 'ten s', '1e3s'])
      expect(parseDuration(bad), bad).toBeUndefined();
  });

  it('is exact to the int64 bounds and undefined beyond them', () => {
    expect(parseDuration('9223372036854775807ns')).toBe(MAX);
    expect(parseDuration('-9223372036854775808ns')).toBe(-MAX - 1n);
    expect(parseDuration('9223372036854775808ns')).toBeUndefined();
    expect(parseDuration('2562048h')).toBeUndefined();
    expect(parseDuration('2562047h')).toBe(2562047n * 3_600_000_000_000n);
    expect(parseDuration('99999999999999999999s')).toBeUndefined();
  });

  it('adds OPA 1.x days, weeks and years (24 h, 7 d, 365 d) mixed with Go units', () => {
    const day = 86_400_000_000_000n;
    expect(parseDuration('1d')).toBe(day);
    expect(parseDuration('1d12h')).toBe(day + day / 2n);
    expect(parseDuration('2w')).toBe(14n * day);
    expect(parseDuration('1y')).toBe(365n * day);
    expect(parseDuration('-1.5d')).toBe(-(day + day / 2n));
    expect(parseDuration('1d1x')).toBeUndefined();
    expect(parseDuration('1..5d')).toBeUndefined();
    expect(parseDuration('300000y')).toBeUndefined();
  });
});

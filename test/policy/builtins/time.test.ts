// What the time builtins do beyond OPA parity: the decision's clock, exact nanoseconds, and the
// documented differences.
import { describe, expect, it } from 'vitest';
import { timeBuiltins } from '../../../src/policy/builtins/time.js';

const text = (v: unknown): string =>
  v instanceof ArrayBuffer ? new TextDecoder().decode(v) : JSON.stringify(v);

describe('time builtins', () => {
  it('time.now_ns is input.now in nanoseconds, exactly, and undefined without a numeric now', () => {
    const clock = { now: 1764140000 as number | undefined };
    const b = timeBuiltins(clock);
    expect(text(b['time.now_ns']!())).toBe('1764140000000000000');
    clock.now = 4_102_444_800; // 2100-01-01: beyond what a double holds exactly in ns
    expect(text(b['time.now_ns']!())).toBe('4102444800000000000');
    clock.now = undefined;
    expect(b['time.now_ns']!()).toBeUndefined();
  });

  it('returns nanoseconds beyond 2^53 as exact JSON text', () => {
    const b = timeBuiltins({ now: undefined });
    expect(text(b['time.parse_rfc3339_ns']!('2025-11-26T06:53:20.123456789Z'))).toBe('1764140000123456789');
    expect(b['time.parse_rfc3339_ns']!('1970-01-01T00:00:01Z')).toBe(1_000_000_000);
  });

  it('time.format with a zone abbreviation: UTC only (undefined elsewhere, where Go would print e.g. CET)', () => {
    const b = timeBuiltins({ now: undefined });
    expect(b['time.format']!([0, 'UTC', 'MST 15:04'])).toBe('UTC 00:00');
    expect(b['time.format']!([0, 'Europe/Paris', 'MST 15:04'])).toBeUndefined();
    expect(b['time.format']!([0, 'Europe/Paris', '-07:00 15:04'])).toBe('+01:00 01:00');
  });

  it('is undefined, never throws, on any operand', () => {
    const b = timeBuiltins({ now: 1 });
    const odd = [
      undefined,
      null,
      {},
      [],
      [null],
      ['x'],
      'x',
      Number.NaN,
      Infinity,
      -0,
      1e300,
      [1, {}],
      [1, 'UTC', 5],
    ];
    for (const [name, f] of Object.entries(b)) {
      for (const a of odd) for (const c of odd) expect(() => f(a, c, a, c), name).not.toThrow();
    }
  });
});

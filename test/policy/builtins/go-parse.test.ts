// Go's time.Parse with the local zone UTC: fields, fractions, offsets, range checks.
import { describe, expect, it } from 'vitest';
import { RFC3339, RFC3339Nano } from '../../../src/policy/builtins/go-layout.js';
import { parseTime } from '../../../src/policy/builtins/go-parse.js';

const t0 = 1_764_140_000; // 2025-11-26T06:53:20Z, a Wednesday

describe('parseTime', () => {
  it('parses RFC 3339 with offsets and fractions to [seconds, nanoseconds]', () => {
    expect(parseTime(RFC3339, '2025-11-26T06:53:20Z')).toEqual([t0, 0]);
    expect(parseTime(RFC3339, '2025-11-26T07:53:20+01:00')).toEqual([t0, 0]);
    // A fraction the layout does not name is still read after seconds, as Go does.
    expect(parseTime(RFC3339, '2025-11-26T06:53:20.5Z')).toEqual([t0, 500_000_000]);
    expect(parseTime(RFC3339Nano, '2025-11-26T06:53:20.123456789Z')).toEqual([t0, 123_456_789]);
  });

  it('parses names, 12-hour clock and two-digit years as Go does', () => {
    expect(parseTime('Jan 2 2006 3:04PM', 'Nov 26 2025 6:53AM')).toEqual([t0 - 20, 0]);
    expect(parseTime('Jan 2 2006 3:04PM', 'Nov 26 2025 6:53PM')).toEqual([t0 - 20 + 12 * 3600, 0]);
    expect(parseTime('02 Jan 06', '01 Jan 69')).toEqual([Date.UTC(1969, 0, 1) / 1000, 0]);
    expect(parseTime('02 Jan 06', '01 Jan 68')).toEqual([Date.UTC(2068, 0, 1) / 1000, 0]);
    expect(parseTime('2006-01-02', '2024-02-29')).toEqual([Date.UTC(2024, 1, 29) / 1000, 0]);
  });

  it('refuses out-of-range fields and text that does not match', () => {
    for (const [layout, value] of [
      ['2006-01-02', '2025-02-29'],
      ['2006-01-02', '2025-13-01'],
      ['2006-01-02', '2025-1-01'],
      ['15:04', '24:00'],
      ['15:04', '12:60'],
      [RFC3339, '2025-11-26T06:53:20'],
      [RFC3339, '2025-11-26 06:53:20Z'],
      ['2006', '2025 extra'],
      ['Jan', 'Foo'],
    ] as const)
      expect(parseTime(layout, value), `${layout} / ${value}`).toBeUndefined();
  });
});

// Go reference-time layouts: the chunking of nextStdChunk, Time.Format in a zone (padding,
// 12-hour clock, fractions, offsets) and time.Parse (fields, fractions, offsets, range checks).
import { describe, expect, it } from 'vitest';
import {
  formatTime,
  namedLayouts,
  nextChunk,
  parseTime,
  RFC3339,
  RFC3339Nano,
} from '../../../src/policy/builtins/go-layout.js';
import { resolveZone, UTC } from '../../../src/policy/builtins/zone.js';

const t0 = 1_764_140_000; // 2025-11-26T06:53:20Z, a Wednesday
const paris = resolveZone('Europe/Paris')!;
const ny = resolveZone('America/New_York')!;

describe('nextChunk', () => {
  it('splits the text before the first element, the element and the rest', () => {
    expect(nextChunk('at 15:04')).toMatchObject({ prefix: 'at ', std: 'Hour', suffix: ':04' });
    expect(nextChunk('January')).toMatchObject({ prefix: '', std: 'LongMonth', suffix: '' });
    expect(nextChunk('Monday')).toMatchObject({ std: 'LongWeekDay' });
    expect(nextChunk('-07:00 x')).toMatchObject({ std: 'NumColonTZ', suffix: ' x' });
    expect(nextChunk('no elements')).toMatchObject({ prefix: 'no elements', std: undefined });
  });

  it('treats a name followed by a lowercase letter as text ("Janet", "Month")', () => {
    expect(nextChunk('Janet')).toMatchObject({ std: undefined, prefix: 'Janet' });
    expect(nextChunk('Month')).toMatchObject({ std: undefined });
  });

  it('reads fractional seconds only when no digit follows the run', () => {
    expect(nextChunk('.000')).toMatchObject({ std: 'FracSecond0', digits: 3, sep: '.' });
    expect(nextChunk(',999999')).toMatchObject({ std: 'FracSecond9', digits: 6, sep: ',' });
    expect(nextChunk('.0001')).toMatchObject({ std: 'ZeroMonth', prefix: '.00', suffix: '' });
  });

  it('reads "_2006" as a literal underscore and the year', () => {
    expect(nextChunk('_2006')).toMatchObject({ prefix: '_', std: 'LongYear', suffix: '' });
    expect(nextChunk('_2')).toMatchObject({ prefix: '', std: 'UnderDay' });
  });
});

describe('formatTime', () => {
  it('formats RFC 3339 in UTC and in a zone', () => {
    expect(formatTime(t0, 0, UTC, RFC3339)).toBe('2025-11-26T06:53:20Z');
    expect(formatTime(t0, 0, paris, RFC3339)).toBe('2025-11-26T07:53:20+01:00');
    expect(formatTime(t0, 0, ny, RFC3339)).toBe('2025-11-26T01:53:20-05:00');
  });

  it('trims a 9-fraction and pads a 0-fraction', () => {
    expect(formatTime(t0, 120_000_000, UTC, RFC3339Nano)).toBe('2025-11-26T06:53:20.12Z');
    expect(formatTime(t0, 0, UTC, RFC3339Nano)).toBe('2025-11-26T06:53:20Z');
    expect(formatTime(t0, 5_000_000, UTC, '05.000')).toBe('20.005');
    expect(formatTime(t0, 123_456_789, UTC, '05,000000')).toBe('20,123456');
  });

  it('writes names, 12-hour clock, unpadded and padded fields', () => {
    expect(formatTime(t0, 0, UTC, namedLayouts.RFC1123!)).toBe('Wed, 26 Nov 2025 06:53:20 UTC');
    expect(formatTime(t0, 0, UTC, 'Monday January 2 3:4:5 PM pm')).toBe(
      'Wednesday November 26 6:53:20 AM am',
    );
    expect(formatTime(t0 + 12 * 3600, 0, UTC, '03 PM')).toBe('06 PM');
    expect(formatTime(Date.UTC(2025, 0, 5) / 1000, 0, UTC, '_2|02|__2|002|1|01|06')).toBe(
      ' 5|05|  5|005|1|01|25',
    );
  });

  it('writes offsets in every numeric form', () => {
    const kolkata = resolveZone('Asia/Kolkata')!;
    expect(formatTime(t0, 0, kolkata, '-0700 -07:00 -07 Z0700')).toBe('+0530 +05:30 +05 +0530');
    expect(formatTime(t0, 0, UTC, 'Z07:00 -07:00:00')).toBe('Z +00:00:00');
  });

  it('is undefined for the abbreviation of a zone other than UTC', () => {
    expect(formatTime(t0, 0, paris, 'MST')).toBeUndefined();
    expect(formatTime(t0, 0, UTC, 'MST')).toBe('UTC');
  });

  it('formats instants before the epoch', () => {
    expect(formatTime(-1, 0, UTC, RFC3339)).toBe('1969-12-31T23:59:59Z');
  });
});

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

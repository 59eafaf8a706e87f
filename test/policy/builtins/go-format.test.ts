// Go's Time.Format in a zone: padding, names, 12-hour clock, fractions and offsets.
import { describe, expect, it } from 'vitest';
import { formatTime } from '../../../src/policy/builtins/go-format.js';
import { namedLayouts, RFC3339, RFC3339Nano } from '../../../src/policy/builtins/go-layout.js';
import { resolveZone, UTC } from '../../../src/policy/builtins/zone.js';

const t0 = 1_764_140_000; // 2025-11-26T06:53:20Z, a Wednesday
const paris = resolveZone('Europe/Paris')!;
const ny = resolveZone('America/New_York')!;

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

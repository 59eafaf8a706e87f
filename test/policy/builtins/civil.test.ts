// Proleptic Gregorian day arithmetic as Go's time package does it: epoch, leap years, year 0 and
// negative years, and time.Date's normalization of out-of-range fields.
import { describe, expect, it } from 'vitest';
import {
  civil,
  civilFromDays,
  daysFromCivil,
  daysIn,
  isLeap,
  SECONDS_PER_DAY,
  wallSeconds,
  weekdayOf,
  yearDay,
} from '../../../src/policy/builtins/civil.js';

describe('civil calendar', () => {
  it('counts days from 1970-01-01, before and after it', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(1970, 1, 2)).toBe(1);
    expect(daysFromCivil(1969, 12, 31)).toBe(-1);
    expect(daysFromCivil(2000, 3, 1)).toBe(11_017);
    expect(daysFromCivil(2025, 11, 26)).toBe(20_418);
    // Year 0 exists (1 BC) and is a leap year.
    expect(daysFromCivil(0, 1, 1)).toBe(-719_528);
    expect(daysFromCivil(0, 3, 1) - daysFromCivil(0, 2, 1)).toBe(29);
  });

  it('converts day counts back to dates, the inverse of daysFromCivil', () => {
    expect(civilFromDays(0)).toEqual([1970, 1, 1]);
    expect(civilFromDays(-1)).toEqual([1969, 12, 31]);
    expect(civilFromDays(11_016)).toEqual([2000, 2, 29]);
    expect(civilFromDays(-719_528)).toEqual([0, 1, 1]);
    expect(civilFromDays(-719_529)).toEqual([-1, 12, 31]);
    for (const d of [-1_000_000, -146_097, -1, 0, 59, 60, 365, 10_957, 2_932_896, 100_000_000]) {
      const [y, m, day] = civilFromDays(d);
      expect(daysFromCivil(y, m, day), String(d)).toBe(d);
    }
  });

  it('applies the Gregorian leap rules: every 4 years, not centuries, but every 400', () => {
    expect([1900, 2000, 2024, 2025, 2100, 2400, 0, -4].map(isLeap)).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(daysIn(2, 2024)).toBe(29);
    expect(daysIn(2, 1900)).toBe(28);
    expect(daysIn(4, 2025)).toBe(30);
    expect(daysIn(12, 2025)).toBe(31);
  });

  it('numbers days of the year from 1 to 366', () => {
    expect(yearDay(2025, 1, 1)).toBe(1);
    expect(yearDay(2025, 12, 31)).toBe(365);
    expect(yearDay(2024, 12, 31)).toBe(366);
    expect(yearDay(2024, 3, 1)).toBe(61);
  });

  it('gives weekdays with 0 = Sunday, also before the epoch', () => {
    expect(weekdayOf(0)).toBe(4); // Thursday
    expect(weekdayOf(-1)).toBe(3);
    expect(weekdayOf(-4)).toBe(0);
    expect(weekdayOf(daysFromCivil(2025, 11, 26))).toBe(3); // a Wednesday
  });

  it('normalizes out-of-range fields as time.Date does', () => {
    const day = SECONDS_PER_DAY;
    expect(wallSeconds(1970, 1, 1, 0, 0, 0)).toBe(0);
    expect(wallSeconds(2024, 13, 1, 0, 0, 0)).toBe(daysFromCivil(2025, 1, 1) * day);
    expect(wallSeconds(2024, 0, 1, 0, 0, 0)).toBe(daysFromCivil(2023, 12, 1) * day);
    expect(wallSeconds(2024, -11, 1, 0, 0, 0)).toBe(daysFromCivil(2023, 1, 1) * day);
    expect(wallSeconds(2024, 3, 0, 0, 0, 0)).toBe(daysFromCivil(2024, 2, 29) * day);
    expect(wallSeconds(2025, 2, 31, 0, 0, 0)).toBe(daysFromCivil(2025, 3, 3) * day);
    expect(wallSeconds(1970, 1, 1, 25, 0, 0)).toBe(day + 3600);
    expect(wallSeconds(1970, 1, 1, 0, -1, 0)).toBe(-60);
    expect(wallSeconds(1970, 1, 1, 0, 0, 61)).toBe(61);
  });

  it('splits a wall-clock second count into calendar fields, flooring before the epoch', () => {
    expect(civil(0)).toEqual({ year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, days: 0 });
    expect(civil(-1)).toEqual({
      year: 1969,
      month: 12,
      day: 31,
      hour: 23,
      minute: 59,
      second: 59,
      days: -1,
    });
    expect(civil(1_764_140_000)).toEqual({
      year: 2025,
      month: 11,
      day: 26,
      hour: 6,
      minute: 53,
      second: 20,
      days: 20_418,
    });
  });
});

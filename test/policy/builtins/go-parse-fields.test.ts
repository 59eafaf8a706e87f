// The field readers of Go's time.Parse: numbers, literal text, names, fractions, zone
// abbreviations and offsets, and a year day's month and day.
import { describe, expect, it } from 'vitest';
import { longMonthNames } from '../../../src/policy/builtins/go-layout.js';
import {
  getnum,
  getnum3,
  lookupName,
  monthDayOf,
  parseNanoseconds,
  parseTimeZone,
  parseZone,
  skip,
} from '../../../src/policy/builtins/go-parse-fields.js';

describe('numbers', () => {
  it('getnum reads one or two digits, exactly two when fixed', () => {
    expect(getnum('7x', false)).toEqual([7, 'x']);
    expect(getnum('07x', true)).toEqual([7, 'x']);
    expect(getnum('123', false)).toEqual([12, '3']);
    expect(getnum('7x', true)).toBeUndefined();
    expect(getnum('x', false)).toBeUndefined();
  });

  it('getnum3 reads up to three digits, exactly three when fixed', () => {
    expect(getnum3('5 ', false)).toEqual([5, ' ']);
    expect(getnum3('0457', true)).toEqual([45, '7']);
    expect(getnum3('45', true)).toBeUndefined();
    expect(getnum3('', false)).toBeUndefined();
  });
});

describe('text', () => {
  it('skip matches literal text, a run of spaces matching any run', () => {
    expect(skip('at   5', 'at ')).toBe('5');
    expect(skip('at', 'at ')).toBe('');
    expect(skip('ax', 'at')).toBeUndefined();
    expect(skip('atx', 'at ')).toBeUndefined();
    expect(skip('', 'a')).toBeUndefined();
  });

  it('lookupName finds a name at the start, in any case', () => {
    expect(lookupName(longMonthNames, 'MARCH 3')).toEqual([2, ' 3']);
    expect(lookupName(longMonthNames, 'Mar')).toBeUndefined();
  });
});

describe('fractions', () => {
  it('parseNanoseconds scales the digits after the separator to nanoseconds', () => {
    expect(parseNanoseconds('.5', 2)).toBe(500_000_000);
    expect(parseNanoseconds(',123456789', 10)).toBe(123_456_789);
    expect(parseNanoseconds('.1234567891', 11)).toBe(123_456_789);
    expect(parseNanoseconds('5', 1)).toBeUndefined();
    expect(parseNanoseconds('.', 1)).toBeUndefined();
    expect(parseNanoseconds('.1a', 3)).toBeUndefined();
  });
});

describe('zones', () => {
  it('parseTimeZone measures an abbreviation, GMT with an offset, or nothing', () => {
    expect(parseTimeZone('CET x')).toBe(3);
    expect(parseTimeZone('ChST')).toBe(4);
    expect(parseTimeZone('AEST')).toBe(4);
    expect(parseTimeZone('WITA')).toBe(4);
    expect(parseTimeZone('ABCDT')).toBe(5);
    expect(parseTimeZone('GMT+10')).toBe(6);
    expect(parseTimeZone('GMT+24')).toBe(3);
    expect(parseTimeZone('+05')).toBe(3);
    expect(parseTimeZone('ABCD')).toBe(0);
    expect(parseTimeZone('AB')).toBe(0);
  });

  it('parseZone reads every numeric form to seconds east and the rest', () => {
    expect(parseZone('NumTZ', '+0530 x')).toEqual([19_800, ' x']);
    expect(parseZone('NumColonTZ', '-05:00')).toEqual([-18_000, '']);
    expect(parseZone('NumShortTZ', '+05')).toEqual([18_000, '']);
    expect(parseZone('NumColonSecondsTZ', '+01:00:30')).toEqual([3630, '']);
    expect(parseZone('NumSecondsTz', '+010030')).toEqual([3630, '']);
    expect(parseZone('ISO8601ColonTZ', 'Z rest')).toEqual([0, ' rest']);
    expect(parseZone('NumColonTZ', 'Z')).toBeUndefined();
    expect(parseZone('NumTZ', '*0530')).toBeUndefined();
    expect(parseZone('NumTZ', '+2500')).toBeUndefined();
    expect(parseZone('NumColonTZ', '+05-00')).toBeUndefined();
  });
});

describe('monthDayOf', () => {
  it('resolves a year day to its month and day, leap years included', () => {
    expect(monthDayOf(2025, 1)).toEqual([1, 1]);
    expect(monthDayOf(2025, 60)).toEqual([3, 1]);
    expect(monthDayOf(2024, 60)).toEqual([2, 29]);
    expect(monthDayOf(2024, 366)).toEqual([12, 31]);
    expect(monthDayOf(2025, 365)).toEqual([12, 31]);
    expect(monthDayOf(2025, 366)).toBeUndefined();
    expect(monthDayOf(2025, 0)).toBeUndefined();
  });
});

// Values across the opa-wasm host boundary: Go's exact int64 conversion of a double, and integer
// results a double cannot hold given as exact JSON text.
import { describe, expect, it } from 'vitest';
import { exactInt, inInt64, int, int64, isString, stringList } from '../../../src/policy/builtins/values.js';

const text = (v: unknown): string => new TextDecoder().decode(v as ArrayBuffer);

describe('builtin values', () => {
  it('int64 accepts integral numbers in range, as bigints', () => {
    expect(int64(0)).toBe(0n);
    expect(int64(-42)).toBe(-42n);
    // A double's value is its shortest decimal form, the JSON text OPA read: 2^62 is 4611686018427388000.
    expect(int64(2 ** 62)).toBe(4611686018427388000n);
  });

  it('int64 refuses non-integers, non-numbers and what OPA reads as out of range', () => {
    expect(int64(1.5)).toBeUndefined();
    expect(int64('1')).toBeUndefined();
    expect(int64(Number.NaN)).toBeUndefined();
    expect(int64(Infinity)).toBeUndefined();
    // 2^63 and -2^63 print as 9223372036854775808 / -9223372036854776000: both beyond int64.
    expect(int64(2 ** 63)).toBeUndefined();
    expect(int64(-(2 ** 63))).toBeUndefined();
    expect(int64(1e21)).toBeUndefined();
  });

  it('int gives the number itself when it fits, else undefined', () => {
    expect(int(7)).toBe(7);
    expect(int(7.1)).toBeUndefined();
    expect(int(2 ** 64)).toBeUndefined();
  });

  it('inInt64 holds exactly at the int64 bounds', () => {
    expect(inInt64(2n ** 63n - 1n)).toBe(true);
    expect(inInt64(2n ** 63n)).toBe(false);
    expect(inInt64(-(2n ** 63n))).toBe(true);
    expect(inInt64(-(2n ** 63n) - 1n)).toBe(false);
  });

  it('exactInt is a number when exact, else the JSON text of the integer', () => {
    expect(exactInt(42n)).toBe(42);
    expect(exactInt(-(2n ** 53n) + 1n)).toBe(-(2 ** 53) + 1);
    // 2^60 is a double exactly, but prints as 1152921504606847000: the text keeps every digit.
    expect(text(exactInt(2n ** 60n))).toBe('1152921504606846976');
    expect(exactInt(10n ** 20n)).toBe(1e20);
    const odd = exactInt(2n ** 53n + 1n);
    expect(odd).toBeInstanceOf(ArrayBuffer);
    expect(text(odd)).toBe('9007199254740993');
    expect(text(exactInt(1764140000123456789n))).toBe('1764140000123456789');
  });

  it('stringList takes a string or an array of strings only', () => {
    expect(stringList('a')).toEqual(['a']);
    expect(stringList(['a', 'b'])).toEqual(['a', 'b']);
    expect(stringList([])).toEqual([]);
    expect(stringList(['a', 1])).toBeUndefined();
    expect(stringList({ 0: 'a' })).toBeUndefined();
    expect(isString('')).toBe(true);
    expect(isString(0)).toBe(false);
  });
});

// Clean text: what Postgres text and UTF-8 hold exactly (no U+0000, no lone surrogate), the
// reasons a value is not, the replacement for recording, lookup keys, and JSON values from outside
// (clean strings and member names, finite numbers, bounded depth).
import { describe, expect, it } from 'vitest';
import {
  cleanText,
  isCleanText,
  isLookupKey,
  jsonValueProblem,
  MAX_JSON_DEPTH,
  MAX_KEY_LENGTH,
  textProblem,
} from '../src/text.js';

describe('isCleanText', () => {
  it('accepts text with paired surrogates and refuses NUL and lone surrogates', () => {
    expect(isCleanText('')).toBe(true);
    expect(isCleanText('émoji 😀')).toBe(true);
    expect(isCleanText('a\u0000b')).toBe(false);
    expect(isCleanText('\uD83D')).toBe(false);
    expect(isCleanText('\uDE00x')).toBe(false);
    expect(isCleanText('x\uDE00\uD83D')).toBe(false);
  });
});

describe('textProblem', () => {
  it('names the first problem: type, length, NUL, surrogate', () => {
    expect(textProblem(1, 10)).toBe('not_string');
    expect(textProblem('abcd', 3)).toBe('too_long');
    expect(textProblem('abc', 3)).toBeUndefined();
    expect(textProblem('a\u0000', 5)).toBe('nul');
    expect(textProblem('a\uD800', 5)).toBe('surrogate');
    expect(textProblem('\u0000'.repeat(9), 3)).toBe('too_long');
  });
});

describe('cleanText', () => {
  it('replaces each NUL and lone surrogate with U+FFFD and keeps pairs', () => {
    expect(cleanText('a\u0000b\uD800c\uDC00d😀')).toBe('a\uFFFDb\uFFFDc\uFFFDd😀');
    const clean = 'nothing to do';
    expect(cleanText(clean)).toBe(clean);
    expect(isCleanText(cleanText('\uDC00\uD800'))).toBe(true);
  });
});

describe('isLookupKey', () => {
  it('takes clean strings of 1 to MAX_KEY_LENGTH characters only', () => {
    expect(MAX_KEY_LENGTH).toBe(2048);
    expect(isLookupKey('client')).toBe(true);
    expect(isLookupKey('x'.repeat(MAX_KEY_LENGTH))).toBe(true);
    expect(isLookupKey('x'.repeat(MAX_KEY_LENGTH + 1))).toBe(false);
    expect(isLookupKey('')).toBe(false);
    expect(isLookupKey('a\u0000')).toBe(false);
    expect(isLookupKey(5)).toBe(false);
  });
});

describe('jsonValueProblem', () => {
  const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);

  it('accepts ordinary JSON values', () => {
    for (const v of [null, true, 0, -1.5, 'x', [], {}, { a: [1, { b: 'c' }] }])
      expect(jsonValueProblem(v)).toBeUndefined();
  });

  it('refuses unclean strings and member names, anywhere', () => {
    expect(jsonValueProblem({ a: ['ok', 'b\u0000'] })).toBe('holds a NUL character or a lone surrogate');
    expect(jsonValueProblem({ a: { ['k\uD800']: 1 } })).toBe(
      'has a member name with a NUL character or a lone surrogate',
    );
  });

  it('refuses numbers JSON parsing made infinite (1e400)', () => {
    expect(jsonValueProblem(JSON.parse('{"amount": 1e400}'))).toBe('holds a number out of range');
    expect(jsonValueProblem([Number.NaN])).toBe('holds a number out of range');
  });

  it('allows nesting up to the depth and refuses one more', () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(jsonValueProblem(nest(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonValueProblem(nest(MAX_JSON_DEPTH + 1))).toBe('nests deeper than 32 levels');
    expect(jsonValueProblem(nest(3), 2)).toBe('nests deeper than 2 levels');
    expect(jsonValueProblem({ a: { b: 1 } }, 2)).toBeUndefined();
  });
});
